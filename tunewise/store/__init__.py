"""The store of experiments, runs, metrics and predictions."""

from tunewise.store.db import Store

__all__ = ["Store"]
