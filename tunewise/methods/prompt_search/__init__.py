"""prompt_search: automatic prompt optimization over instructions and demonstrations on the validation split."""

from tunewise.methods.prompt_search.method import PromptSearch, PromptSearchConfig

__all__ = ["PromptSearch", "PromptSearchConfig"]
