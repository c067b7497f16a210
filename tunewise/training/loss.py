"""Causal-LM loss computed only where there is something to learn.

Task training data label only the answer (a few tokens after a long prompt), yet a plain forward pass runs
the LM head (hidden x vocabulary, the largest matrix of a small model) on every position. The collator marks
the positions whose next token is labelled, the model computes logits only there (``logits_to_keep`` given as
indices), and the loss below matches them with their targets. Same loss, a fraction of the head's compute.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def answer_positions(labels: torch.Tensor) -> torch.Tensor:
    """Sequence positions t (shared by the batch) where some row has a label for token t + 1."""
    return torch.nonzero((labels[:, 1:] != -100).any(dim=0)).flatten()


class KeepAnswerLogits:
    """Collator wrapper: adds ``logits_to_keep`` = the answer positions of the padded batch."""

    def __init__(self, collate):
        self.collate = collate

    def __call__(self, features):
        batch = self.collate(features)
        batch["logits_to_keep"] = answer_positions(batch["labels"])
        return batch


def answer_only_loss(outputs, labels: torch.Tensor, num_items_in_batch=None) -> torch.Tensor:
    """Token-averaged cross-entropy over labelled answer tokens, from logits at ``answer_positions`` only."""
    keep = answer_positions(labels)
    logits = outputs.logits.float()
    targets = labels[:, keep + 1].to(logits.device)
    loss = F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100, reduction="sum"
    )
    count = num_items_in_batch if num_items_in_batch is not None else (targets != -100).sum()
    return loss / count
