"""Metrics for generated text, each a per-example score in [0, 1] whose mean is the metric (so every one gets a
bootstrap interval and a paired test like accuracy does). A task names the ones it wants (``task.metrics``).

- ``chrf``: character n-gram F-score (sacrebleu's chrF, per answer): rewards a close paraphrase or spelling.
- ``bleu``: sacrebleu's sentence BLEU (smoothed, as sacrebleu does for single sentences), per answer.
- ``rouge_l``: F-measure of the longest common token subsequence (ROUGE-L). Written here: the reference
  package (rouge-score) ships only as a source archive that pulls nltk and absl; the algorithm is a few lines.
- ``token_f1``: F1 of the normalised answer words against the target's (the SQuAD short-answer measure).
- ``set_f1`` / ``set_precision`` / ``set_recall``: the answer and the target as sets of items, parsed from a
  JSON array, a bracketed list or comma/semicolon/newline-separated text, compared order-free after
  normalisation (duplicates count once): extraction tasks whose answers are lists.
- ``json_match``: share of the target JSON object's fields the answer's JSON object has with equal values.
- Format and length checks: ``valid_json`` (the answer is JSON, when the target is), ``length_ratio`` (the
  shorter of the answer's and the target's word counts over the longer: 1 when as long as the reference).
- ``semantic_similarity`` (embedding cosine) is registered beside the encoder, in ``models/similarity.py``.
"""

from __future__ import annotations

import json
import re
import string

import sacrebleu

from tunewise.tasks.metric_registry import graded_metric

TEXT_METRICS = (
    "chrf",
    "bleu",
    "rouge_l",
    "token_f1",
    "set_f1",
    "set_precision",
    "set_recall",
    "json_match",
    "valid_json",
    "length_ratio",
)
TOKEN = re.compile(r"\w+", re.UNICODE)
SEPARATORS = re.compile(r"[,;\n]")


def normalize_answer(text: str) -> str:
    """Lowercase, drop punctuation, articles and extra spaces (the usual short-answer normalisation)."""
    text = text.lower().strip()
    text = "".join(ch for ch in text if ch not in string.punctuation)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def _f1(overlap: float, predicted: int, expected: int) -> float:
    if predicted == 0 and expected == 0:
        return 1.0  # nothing expected, nothing given
    if overlap == 0:
        return 0.0
    precision, recall = overlap / predicted, overlap / expected
    return 2 * precision * recall / (precision + recall)


@graded_metric("chrf", "generation")
def chrf(prediction: str, target: str) -> float:
    if not prediction.strip() and not target.strip():
        return 1.0
    return sacrebleu.sentence_chrf(prediction, [target]).score / 100


@graded_metric("bleu", "generation")
def bleu(prediction: str, target: str) -> float:
    if not prediction.strip() and not target.strip():
        return 1.0
    return sacrebleu.sentence_bleu(prediction, [target]).score / 100


@graded_metric("rouge_l", "generation")
def rouge_l(prediction: str, target: str) -> float:
    got, want = TOKEN.findall(prediction.lower()), TOKEN.findall(target.lower())
    return _f1(_lcs(got, want), len(got), len(want))


def _lcs(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence (dynamic programming, one row at a time)."""
    previous = [0] * (len(b) + 1)
    for x in a:
        row = [0]
        for j, y in enumerate(b):
            row.append(previous[j] + 1 if x == y else max(previous[j + 1], row[j]))
        previous = row
    return previous[-1]


@graded_metric("token_f1", "generation")
def token_f1(prediction: str, target: str) -> float:
    got, want = normalize_answer(prediction).split(), normalize_answer(target).split()
    common = sum(min(got.count(word), want.count(word)) for word in set(got))
    return _f1(common, len(got), len(want))


def items(text: str) -> set[str]:
    """The items of a list answer: a JSON array, ``[a, b]``, or text separated by commas, semicolons or lines."""
    text = text.strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, list):
        parts = [json.dumps(p, sort_keys=True) if isinstance(p, dict | list) else str(p) for p in parsed]
    else:
        parts = SEPARATORS.split(text[1:-1] if text.startswith("[") and text.endswith("]") else text)
    return {normalized for part in parts if (normalized := " ".join(part.strip().strip("\"'").lower().split()))}


def _set_counts(prediction: str, target: str) -> tuple[int, int, int]:
    got, want = items(prediction), items(target)
    return len(got & want), len(got), len(want)


@graded_metric("set_f1", "generation")
def set_f1(prediction: str, target: str) -> float:
    return _f1(*_set_counts(prediction, target))


@graded_metric("set_precision", "generation")
def set_precision(prediction: str, target: str) -> float:
    overlap, got, want = _set_counts(prediction, target)
    return overlap / got if got else float(want == 0)


@graded_metric("set_recall", "generation")
def set_recall(prediction: str, target: str) -> float:
    overlap, got, want = _set_counts(prediction, target)
    return overlap / want if want else 1.0


@graded_metric("json_match", "generation")
def json_match(prediction: str, target: str) -> float:
    """Share of the target object's fields the answer gives with the same value (0 when it is not JSON)."""
    want = _object(target)
    if not want:
        return float(_object(prediction) == want) if want is not None else 0.0
    got = _object(prediction) or {}
    return sum(got.get(key) == value for key, value in want.items()) / len(want)


def _object(text: str) -> dict | None:
    match = re.search(r"\{.*\}", text, re.DOTALL)  # the object, with any words around it ignored
    try:
        value = json.loads(match.group(0)) if match else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@graded_metric("valid_json", "generation")
def valid_json(prediction: str, target: str) -> float:
    """1 when the answer parses as JSON (and the target does), or neither does: the format was kept."""
    return float(_parses(prediction) == _parses(target))


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@graded_metric("length_ratio", "generation")
def length_ratio(prediction: str, target: str) -> float:
    got, want = len(prediction.split()), len(target.split())
    return 1.0 if got == want else min(got, want) / max(got, want)
