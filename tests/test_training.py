import torch
from transformers import DataCollatorForSeq2Seq

from tunewise.training.loss import KeepAnswerLogits, answer_only_loss, answer_positions


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
