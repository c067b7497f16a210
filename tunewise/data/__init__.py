"""Data: load examples, split them, and the catalog of packaged datasets."""

from tunewise.core.items import Splits
from tunewise.data.examples import Example, load_examples
from tunewise.data.split import split_examples

__all__ = ["Example", "Splits", "load_examples", "split_examples"]
