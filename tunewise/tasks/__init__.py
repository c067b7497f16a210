"""Tasks: turning examples into model inputs and answers."""

from tunewise.core.items import Item
from tunewise.tasks.task import Task

__all__ = ["Item", "Task"]
