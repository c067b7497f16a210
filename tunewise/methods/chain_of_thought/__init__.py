"""chain_of_thought: the model reasons step by step, then answers; the final answer is extracted and scored."""

from tunewise.methods.chain_of_thought.method import ChainOfThought, ChainOfThoughtConfig

__all__ = ["ChainOfThought", "ChainOfThoughtConfig"]
