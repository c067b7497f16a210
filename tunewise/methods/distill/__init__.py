"""distill: a teacher model answers the training inputs (and extra unlabeled ones); a LoRA student learns
from the teacher's answers instead of the gold labels."""

from tunewise.methods.distill.method import Distill, DistillSettings

__all__ = ["Distill", "DistillSettings"]
