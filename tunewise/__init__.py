"""tunewise: prompt it, prompt-tune it, or fine-tune it? Measured on your own data."""

from tunewise.core import offline  # noqa: F401  (must run before transformers is imported anywhere)

__version__ = "0.1.0"
