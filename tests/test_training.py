import torch
from transformers import DataCollatorForSeq2Seq

from tunewise.core.budget import BudgetConfig
from tunewise.methods import METHODS
from tunewise.training.loss import KeepAnswerLogits, answer_only_loss, answer_positions
from tunewise.training.sampling import EpochLengthSampler


def test_answer_positions_are_where_the_next_token_is_labelled():
    labels = torch.tensor([[-100, -100, 5, 6], [-100, 7, -100, -100]])
    assert answer_positions(labels).tolist() == [0, 1, 2]


def test_answer_only_loss_equals_the_full_causal_lm_loss(tiny_backend):
    backend = tiny_backend
    features = [
        backend.training_features(backend.render([{"role": "user", "content": text}]), answer)
        for text, answer in [
            ("a great film", "fresh"),
            ("boring and far too long indeed", "rotten"),
            ("superb", "positive negative"),
        ]
    ]
    collate = KeepAnswerLogits(DataCollatorForSeq2Seq(backend.tokenizer, padding=True, label_pad_token_id=-100))
    batch = collate(features)
    with torch.no_grad():
        full = backend.model(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]
        ).loss
        labels = batch.pop("labels")
        partial = backend.model(**batch)
    assert partial.logits.shape[1] == len(batch["logits_to_keep"]) < batch["input_ids"].shape[1]
    torch.testing.assert_close(answer_only_loss(partial, labels), full, atol=1e-5, rtol=1e-5)


def test_tokens_count_only_the_batches_trained_on(setup):
    """The data loader fetches a batch ahead; a run stopped by max_steps must not count that batch."""
    base, task, splits, ctx, _ = setup
    ctx.budget = BudgetConfig(max_steps=3)
    config = METHODS.get("lora").config_class(r=2, batch_size=4, checkpoint_every=None)
    adapted = METHODS.get("lora").fit(base, task, splits, config, ctx)
    features = [
        adapted.backend.training_features(adapted.prompt(i.input), adapted.program.answer_for(i.target))
        for i in splits.train
    ]
    lengths = [len(f["input_ids"]) for f in features]
    order = list(EpochLengthSampler(lengths, 4, seed=0))[: 3 * 4]  # the first three batches of epoch 0
    assert adapted.details["training"]["steps"] == 3
    assert adapted.details["training"]["train_tokens"] == sum(lengths[i] for i in order)


def test_each_epoch_has_its_own_order_and_it_depends_on_the_seed_alone():
    lengths = [5, 9, 3, 7, 2, 8, 6, 4] * 4
    sampler = EpochLengthSampler(lengths, 4, seed=1)
    first = list(sampler)
    sampler.set_epoch(1)
    second = list(sampler)
    torch.manual_seed(123)  # the global RNG (which dropout moves) has no say
    sampler.set_epoch(0)
    assert sorted(first) == list(range(32)) and first != second and list(sampler) == first
