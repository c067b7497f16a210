"""Data: load examples, split them, and the catalog of packaged datasets."""

from tunewise.data.examples import Example, load_examples
from tunewise.data.split import Splits, split_examples

__all__ = ["Example", "Splits", "load_examples", "split_examples"]
