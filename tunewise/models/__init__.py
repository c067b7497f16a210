"""Base models: the Backend protocol, the transformers backend and packaged models."""

from tunewise.core.backend import Backend
from tunewise.models.load import load_base

__all__ = ["Backend", "load_base"]
