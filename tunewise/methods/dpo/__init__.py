"""dpo: a LoRA adapter tuned on people's ratings with TRL, from preference pairs (DPO) or single good/bad
judgments (KTO), starting from the base model or from another method's trained adapter; the gain over that start
is measured on the test split."""

from tunewise.methods.dpo.method import Dpo
from tunewise.methods.dpo.settings import DpoSettings

__all__ = ["Dpo", "DpoSettings"]
