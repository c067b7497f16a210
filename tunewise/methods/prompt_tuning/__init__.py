"""prompt_tuning: learned input embeddings (virtual tokens) before the prompt, on a frozen base (PEFT)."""

from tunewise.methods.prompt_tuning.method import PromptTuning, PromptTuningSettings

__all__ = ["PromptTuning", "PromptTuningSettings"]
