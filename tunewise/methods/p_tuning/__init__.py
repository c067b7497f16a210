"""p_tuning: virtual-token embeddings produced by a small trained encoder (MLP or LSTM), frozen base (PEFT)."""

from tunewise.methods.p_tuning.method import PTuning, PTuningSettings

__all__ = ["PTuning", "PTuningSettings"]
