"""hybrid: LoRA trained and served with the best prompt prompt search finds (or with the prompt you give)."""

from tunewise.methods.hybrid.method import Hybrid, HybridSettings

__all__ = ["Hybrid", "HybridSettings"]
