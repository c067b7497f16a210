"""Base models: the Backend protocol, the transformers backend and packaged models."""

from tunewise.core.backend import Backend
from tunewise.models import similarity  # registers the semantic_similarity metric  # noqa: F401
from tunewise.models.load import load_base

__all__ = ["Backend", "load_base"]
