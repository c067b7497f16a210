"""The store of experiments, runs, metrics and predictions."""

from tunewise.store.db import Store
from tunewise.store.errors import StoreError

__all__ = ["Store", "StoreError"]
