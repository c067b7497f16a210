"""Stylometry: measurable habits of a writer, compared between one text and an author's profile.

Each comparison is a score in [0, 1], higher = closer to the author, so it is a per-example score like chrF and
gets a bootstrap interval and a paired test:

- sentence length: words per sentence; the score is the shorter mean over the longer (1: the same length).
- vocabulary richness: the moving-average type-token ratio (MATTR) over windows of ``WINDOW`` words, because a
  plain type-token ratio falls as a text grows and would compare lengths, not vocabularies; the score is one
  minus the absolute difference of the two ratios.
- function words: the relative frequencies of ``FUNCTION_WORDS`` (the words a writer uses without choosing
  them, the classic authorship signal); the score is the cosine similarity of the two frequency profiles.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)  # letters, with inner apostrophes (thy, o'er)
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'’”)\]]*\s+")
WINDOW = 25  # MATTR window, in words: short enough for a paragraph, long enough to show repetition
FUNCTION_WORDS_TEXT = (  # one string, split below: 97 quoted words would be a page long
    "a about above after all also an and any as at be because been before but by can could did do does for from "
    "had has have he her him his how i if in into is it its may me might more most must my no nor not now of on "
    "one only or our shall she should so some such than that the their them then there these they this those thou "
    "thy thee to up upon us very was we were what when where which while who whom why will with would yet you your"
)
FUNCTION_WORDS = tuple(FUNCTION_WORDS_TEXT.split())


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in WORD.findall(text)]


def sentences(text: str) -> list[str]:
    """The text cut after ., ! or ? followed by space (closing quotes and brackets stay with their sentence)."""
    parts, start = [], 0
    for end in SENTENCE_END.finditer(text):
        parts.append(text[start : end.end()])
        start = end.end()
    return [part.strip() for part in [*parts, text[start:]] if words(part)]


def mean_sentence_length(text: str) -> float:
    """Mean words per sentence (0 for a text without words)."""
    counts = [len(words(s)) for s in sentences(text)]
    return sum(counts) / len(counts) if counts else 0.0


def type_token_ratio(tokens: Sequence[str]) -> float:
    return len(set(tokens)) / len(tokens) if tokens else 0.0


def mattr(text: str, window: int = WINDOW) -> float:
    """Mean type-token ratio of every ``window``-word stretch; the plain ratio for a shorter text."""
    tokens = words(text)
    if len(tokens) <= window:
        return type_token_ratio(tokens)
    ratios = [type_token_ratio(tokens[i : i + window]) for i in range(len(tokens) - window + 1)]
    return sum(ratios) / len(ratios)


def function_word_profile(text: str) -> list[float]:
    """Each function word's share of the text's words (all zeros for a text without words)."""
    tokens = words(text)
    counts = Counter(tokens)
    return [counts[w] / len(tokens) if tokens else 0.0 for w in FUNCTION_WORDS]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norm if norm else 0.0


def ratio(a: float, b: float) -> float:
    """The smaller over the larger (1 when equal, 0 when one is 0 and the other is not)."""
    if a == b:
        return 1.0
    return min(a, b) / max(a, b)


@dataclass(frozen=True)
class Profile:
    """An author's habits, measured on their pieces: means over pieces, the function words pooled."""

    sentence_length: float
    vocabulary: float
    function_words: tuple[float, ...]

    @classmethod
    def of(cls, pieces: Sequence[str]) -> Profile:
        pieces = [p for p in pieces if words(p)]
        if not pieces:
            return cls(0.0, 0.0, tuple(0.0 for _ in FUNCTION_WORDS))
        lengths = [mean_sentence_length(p) for p in pieces]
        richness = [mattr(p) for p in pieces]
        pooled = tuple(function_word_profile(" ".join(pieces)))
        return cls(sum(lengths) / len(pieces), sum(richness) / len(pieces), pooled)

    def sentence_length_score(self, text: str) -> float:
        return ratio(mean_sentence_length(text), self.sentence_length)

    def vocabulary_score(self, text: str) -> float:
        return 1.0 - abs(mattr(text) - self.vocabulary) if words(text) else 0.0

    def function_word_score(self, text: str) -> float:
        return cosine(function_word_profile(text), self.function_words)
