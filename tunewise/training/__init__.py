"""Training shared by every method that learns weights (LoRA, DoRA, QLoRA, full fine-tuning, soft prompts).

The loop is transformers' Trainer; tunewise adds what Trainer does not know: early stopping on the *task*
metric computed by tunewise's own evaluation path, a wall-clock budget, and metric logging to the store.
"""

from tunewise.training.settings import TrainSettings
from tunewise.training.trainer import TrainResult, train_causal_lm

__all__ = ["TrainResult", "TrainSettings", "train_causal_lm"]
