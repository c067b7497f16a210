"""What Trainer does not get exactly right for tunewise: the order of examples in each epoch, and which
tokens were trained on.

- Trainer's length-grouped sampler draws each epoch's order from the *global* torch RNG as it stands when the
  epoch starts. A run resumed inside epoch 2 has a freshly seeded RNG there, not the one the uninterrupted run
  had after a whole epoch of dropout, so it saw other batches. Here the order of epoch e is a function of
  (seed, e) alone: a resumed run sees exactly the batches an uninterrupted one does, in every epoch.
- The data loader fetches one batch ahead, so counting tokens when a batch is collated counts a batch that a
  run stopped by ``max_steps`` or a time budget never trained on. Tokens are counted in ``training_step``.
- Over several processes (``launcher: accelerate``) accelerate deals whole per-device batches to the ranks in
  turn and fills a short last round with examples from the start of the epoch, which a single process never
  trains on twice. Here every global batch (``batch_size`` examples, in the single-process order) is padded to a
  multiple of the ranks with an example that has no labels, so each rank gets its share of exactly the examples
  one process would train on in that step: no loss, no label tokens and no token count come from the padding.
- A run resumed inside an epoch iterates accelerate's wrapper that skips the batches already trained on; over
  several processes that wrapper does not pass the epoch on to the sampler, so TaskTrainer tells the sampler
  each epoch itself (``EpochOrder``).
"""

from __future__ import annotations

import math

import torch
from torch.utils.data import Sampler
from transformers import Trainer, TrainerCallback
from transformers.trainer_pt_utils import get_length_grouped_indices


class EpochLengthSampler(Sampler):
    """Batches of similar length (little padding), shuffled by a generator seeded with seed + epoch."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int):
        self.lengths, self.batch_size, self.seed, self.epoch = lengths, batch_size, seed, 0

    def set_epoch(self, epoch: int) -> None:  # called by Trainer (through accelerate) before every epoch
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        return iter(get_length_grouped_indices(self.lengths, self.batch_size, generator=generator))


class RankShares(Sampler):
    """``order``'s indices in global batches of ``batch_size``, each padded with ``blank`` to ``ranks`` equal
    shares; the data loader's per-device batch is one share (see the module notes)."""

    def __init__(self, order: EpochLengthSampler, batch_size: int, ranks: int, blank: int):
        self.order, self.batch_size, self.blank = order, batch_size, blank
        self.padded = share_size(batch_size, ranks) * ranks

    def set_epoch(self, epoch: int) -> None:
        self.order.set_epoch(epoch)

    def __len__(self) -> int:
        return math.ceil(len(self.order) / self.batch_size) * self.padded

    def __iter__(self):
        indices = list(self.order)
        for start in range(0, len(indices), self.batch_size):
            batch = indices[start : start + self.batch_size]
            yield from batch + [self.blank] * (self.padded - len(batch))


def share_size(batch_size: int, ranks: int) -> int:
    """Examples per device in each global batch of ``batch_size`` over ``ranks`` processes."""
    return math.ceil(batch_size / ranks)


def blank_example(feature: dict[str, list[int]]) -> dict[str, list[int]]:
    """A one-token example with no label: the padding of a global batch (nothing in it is trained on)."""
    return {name: values[:1] for name, values in feature.items()} | {"labels": [-100]}


class TokenCount:
    """Real (non-padding) and padded tokens of the batches actually trained on."""

    def __init__(self):
        self.real, self.padded = 0, 0

    def add(self, attention_mask: torch.Tensor) -> None:
        self.real += int(attention_mask.sum())
        self.padded += attention_mask.numel()

    @property
    def padding_fraction(self) -> float:
        return 1 - self.real / self.padded if self.padded else 0.0

    def state_dict(self) -> dict:
        return {"real": self.real, "padded": self.padded}

    def load_state_dict(self, state: dict) -> None:
        self.real, self.padded = state["real"], state["padded"]


class EpochOrder(TrainerCallback):
    """Tells the trainer's sampler which epoch starts (``state.epoch`` is the epochs done, a fraction once
    resumed inside one)."""

    def __init__(self, trainer: TaskTrainer):
        self.trainer = trainer

    def on_epoch_begin(self, args, state, control, **kwargs):
        if self.trainer.order is not None:
            self.trainer.order.set_epoch(int(state.epoch or 0))


class TaskTrainer(Trainer):
    """transformers' Trainer with the fixes above, and nothing else changed. ``batch_size``: examples per
    optimizer step (before accumulation) over all processes."""

    def __init__(self, *args, tokens: TokenCount, batch_size: int, train_dataset, **kwargs):
        self.examples, self.batch_size = len(train_dataset), batch_size
        ranks = kwargs["args"].world_size
        padded = train_dataset + [blank_example(train_dataset[0])] if ranks > 1 else train_dataset
        super().__init__(*args, train_dataset=padded, **kwargs)
        self.tokens, self.order = tokens, None
        self.add_callback(EpochOrder(self))

    def _get_train_sampler(self, train_dataset=None) -> Sampler:
        dataset = (train_dataset if train_dataset is not None else self.train_dataset)[: self.examples]
        lengths = [len(feature["input_ids"]) for feature in dataset]
        seed = self.args.data_seed if self.args.data_seed is not None else 0
        self.order = EpochLengthSampler(lengths, self.batch_size * self.args.gradient_accumulation_steps, seed)
        if self.args.world_size == 1:
            return self.order
        return RankShares(self.order, self.batch_size, self.args.world_size, blank=self.examples)

    def training_step(self, model, inputs, num_items_in_batch=None):
        answered = (inputs["labels"] != -100).any(dim=1)  # a blank padding example is not counted
        self.tokens.add(inputs["attention_mask"][answered])
        return super().training_step(model, inputs, num_items_in_batch)
