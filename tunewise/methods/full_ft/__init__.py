"""full_ft: every weight of a copy of the base model trained on the task's answers."""

from tunewise.methods.full_ft.method import FullFineTuning, FullFtSettings

__all__ = ["FullFineTuning", "FullFtSettings"]
