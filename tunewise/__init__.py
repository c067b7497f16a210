"""tunewise: prompt it, prompt-tune it, or fine-tune it? Measured on your own data."""

from tunewise.core import offline  # noqa: F401  (must run before transformers is imported anywhere)

# Part of every run's fingerprint: a release that changes results (0.2: prompts fitted to the context, a data
# order seeded per epoch, counted costs) never reuses runs measured by an older one.
__version__ = "0.2.0"
