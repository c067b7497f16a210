"""prefix_tuning: learned keys and values prepended at every layer, on a frozen base (PEFT)."""

from tunewise.methods.prefix_tuning.method import PrefixTuning, PrefixTuningSettings

__all__ = ["PrefixTuning", "PrefixTuningSettings"]
