"""prompt_search: automatic prompt optimization over instructions and demonstrations on the validation split."""

from tunewise.methods.prompt_search.config import PromptSearchConfig, SearchSettings
from tunewise.methods.prompt_search.method import PromptSearch
from tunewise.methods.prompt_search.search import search_prompt

__all__ = ["PromptSearch", "PromptSearchConfig", "SearchSettings", "search_prompt"]
