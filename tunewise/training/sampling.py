"""What Trainer does not get exactly right for tunewise: the order of examples in each epoch, and which
tokens were trained on.

- Trainer's length-grouped sampler draws each epoch's order from the *global* torch RNG as it stands when the
  epoch starts. A run resumed inside epoch 2 has a freshly seeded RNG there, not the one the uninterrupted run
  had after a whole epoch of dropout, so it saw other batches. Here the order of epoch e is a function of
  (seed, e) alone: a resumed run sees exactly the batches an uninterrupted one does, in every epoch.
- The data loader fetches one batch ahead, so counting tokens when a batch is collated counts a batch that a
  run stopped by ``max_steps`` or a time budget never trained on. Tokens are counted in ``training_step``.
"""

from __future__ import annotations

import torch
from torch.utils.data import Sampler
from transformers import Trainer
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


class TaskTrainer(Trainer):
    """transformers' Trainer with the two fixes above, and nothing else changed."""

    def __init__(self, *args, tokens: TokenCount, **kwargs):
        super().__init__(*args, **kwargs)
        self.tokens = tokens

    def _get_train_sampler(self, train_dataset=None) -> Sampler:
        dataset = train_dataset if train_dataset is not None else self.train_dataset
        lengths = [len(feature["input_ids"]) for feature in dataset]
        batch = self.args.train_batch_size * self.args.gradient_accumulation_steps
        return EpochLengthSampler(lengths, batch, self.args.data_seed if self.args.data_seed is not None else 0)

    def training_step(self, model, inputs, num_items_in_batch=None):
        self.tokens.add(inputs["attention_mask"])
        return super().training_step(model, inputs, num_items_in_batch)
