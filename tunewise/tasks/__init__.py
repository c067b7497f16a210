"""Tasks: turning examples into model inputs and answers."""

from tunewise.tasks.task import Item, Task

__all__ = ["Item", "Task"]
