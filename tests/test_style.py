"""Task type style ("write in my voice"): the authorship classifier and stylometry behind the style score, the
pieces a style task is made of, the packaged corpus, and a tiny-model experiment end to end."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from tunewise.core.errors import InputError
from tunewise.data.catalog import DATASETS
from tunewise.data.datasets.poetry import pieces
from tunewise.data.examples import load_examples
from tunewise.decide.load import decision_for
from tunewise.run.config import load_experiment
from tunewise.run.experiment import run_experiment
from tunewise.run.prepare import prepare
from tunewise.store import Store
from tunewise.tasks import style_score as style_module
from tunewise.tasks.config import TaskConfig
from tunewise.tasks.pieces import FIRST_SENTENCE_NOTE, cut_piece, split_first_sentence
from tunewise.tasks.style_score import AuthorshipClassifier
from tunewise.tasks.stylometry import (
    FUNCTION_WORDS,
    Profile,
    function_word_profile,
    mattr,
    mean_sentence_length,
    sentences,
    words,
)
from tunewise.tasks.task import Task


def _texts(dataset: str, **where) -> list[str]:
    rows = [json.loads(line) for line in DATASETS.get(dataset).fetch().read_text(encoding="utf-8").splitlines()]
    return [row["text"] for row in rows if all(row.get(k) == v for k, v in where.items())]


def _auc(positive: list[float], negative: list[float]) -> float:
    """P(a random author text scores above a random other text), ties counting half (Mann-Whitney)."""
    p, n = np.asarray(positive)[:, None], np.asarray(negative)[None, :]
    return float((p > n).mean() + 0.5 * (p == n).mean())


def test_the_style_score_tells_shakespeare_from_milton_an_author_it_never_saw():
    """Fitted on 100 sonnets against other authors' text with Milton left out, it ranks the 54 held-out sonnets
    above 54 pieces of Paradise Lost: Milton writes the same era's blank verse, so this is authorship, not genre
    or period. Measured: AUC 0.98 (95% bootstrap interval about [0.95, 1.0]); 0.9 leaves room for a new
    scikit-learn's numerics."""
    sonnets = _texts("shakespeare_sonnets")
    random.Random(0).shuffle(sonnets)
    train, held_out = sonnets[:100], sonnets[100:]
    others = [t for a in ("hopkins", "whitman", "browning", "byron") for t in _texts("other_poets", author=a)]
    reference = others + random.Random(0).sample(_texts("rotten_tomatoes"), 300)
    milton = random.Random(1).sample(_texts("other_poets", author="milton"), len(held_out))
    classifier = AuthorshipClassifier(train, reference)
    author, other = classifier.probabilities(held_out), classifier.probabilities(milton)
    rng = np.random.default_rng(0)
    draws = [_auc(rng.choice(author, len(author)).tolist(), rng.choice(other, len(other)).tolist()) for _ in range(300)]
    low, high = np.percentile(draws, [2.5, 97.5])
    assert _auc(author, other) > 0.9 and low > 0.8, (_auc(author, other), low, high)
    assert np.mean(author) > 0.5 > np.mean(other)
    assert classifier.probability("") == 0.0  # nothing written reads like nobody


def test_sentence_length_vocabulary_and_function_words_against_hand_counts():
    assert sentences('Hello world. "How are you?" he said! Fine') == [
        "Hello world.",
        '"How are you?"',
        "he said!",
        "Fine",
    ]
    assert mean_sentence_length("Hello world. How are you? Fine!") == pytest.approx((2 + 3 + 1) / 3)
    assert mattr("the cat the dog") == 0.75  # shorter than the window: 3 types over 4 tokens
    assert mattr("a a b", window=2) == 0.75  # windows "a a" (1/2) and "a b" (2/2)
    profile = dict(zip(FUNCTION_WORDS, function_word_profile("The cat and the dog"), strict=True))
    assert profile["the"] == 2 / 5 and profile["and"] == 1 / 5 and sum(profile.values()) == pytest.approx(3 / 5)
    author = Profile.of(["The cat sat. The dog ran and the cat hid."])
    assert author.sentence_length == pytest.approx((3 + 7) / 2)  # "The dog ran and the cat hid." has 7
    assert author.sentence_length_score("One two three four five six seven eight nine.") == pytest.approx(5 / 9)
    same = "The cat sat. The dog ran and the cat hid."
    assert author.vocabulary_score(same) == 1.0 and author.function_word_score(same) == pytest.approx(1.0)


def test_empty_text_and_unicode():
    assert words("Ça va, naïve café: o’er thy 123 fields_x") == [
        "ça",
        "va",
        "naïve",
        "café",
        "o'er",
        "thy",
        "fields",
        "x",
    ]
    assert mean_sentence_length("") == 0.0 and mattr("  ") == 0.0 and not any(function_word_profile(""))
    author = Profile.of(["Thou art more lovely. And more temperate."])
    assert (author.sentence_length_score(""), author.vocabulary_score(""), author.function_word_score("")) == (0, 0, 0)
    assert Profile.of(["", "123"]).sentence_length == 0.0  # no words anywhere: an empty profile, no division


def test_a_piece_is_cut_after_a_whole_sentence_and_split_after_its_first():
    assert split_first_sentence("It rained. We stayed in. ") == ("It rained.", "We stayed in.")
    assert split_first_sentence('"Stop!" she said. Then left.') == ('"Stop!"', "she said. Then left.")
    assert split_first_sentence("no end at all") == ("no end at all", "")
    assert split_first_sentence("One long line,\nand its second line.") == ("One long line,", "and its second line.")
    assert cut_piece("One two. Three four five. Six.", 20) == "One two."
    assert cut_piece("one two three four", 10) == "one two"  # no sentence end in reach: at a space
    assert cut_piece("short", 10) == "short"


def test_the_sonnets_are_154_and_the_other_poets_are_cut_into_pieces():
    sonnets = [json.loads(line) for line in DATASETS.get("shakespeare_sonnets").fetch().read_text().splitlines()]
    assert len(sonnets) == 154 and sonnets[0]["first_line"] == "FROM fairest creatures we desire increase,"
    assert all(len(s["text"].splitlines()) >= 12 for s in sonnets)
    assert pieces("a\nb\n\nccc\n\n#\n\nd", max_chars=3, min_chars=2) == ["a\nb", "ccc", "d"]


def _style_task(tmp_path, **task) -> tuple[Task, list]:
    config = TaskConfig(**({"type": "style", "target": "text"} | task))
    task = Task.from_config(config)
    return task, task.prepare(load_examples(tmp_path))


def test_a_style_task_writes_each_piece_from_its_topic_field(tmp_path):
    data = tmp_path / "pieces.jsonl"
    data.write_text(json.dumps({"topic": "rain", "text": "It rained. " * 30}) + "\n")
    task, (item,) = _style_task(data, input="topic", piece_chars=40)
    assert (item.input, item.target) == ("rain", "It rained. It rained. It rained.")
    assert task.metric == "style_score" and "chrf" in task.metrics and task.type == "generation"
    assert task.input_note() == "style: each piece is written from its topic field; the whole piece is the target"


def test_without_a_topic_field_the_first_sentence_of_each_file_stands_in(tmp_path):
    (tmp_path / "b.md").write_text("\ufeffThe sea was calm. We rowed out at dawn.\r\nNobody spoke.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("Dear Ann. I write in haste.", encoding="utf-8")
    (tmp_path / "skip.json").write_text("{}")
    task, items = _style_task(tmp_path)
    assert [(i.input, i.target) for i in items] == [
        ("Dear Ann.", "I write in haste."),
        ("The sea was calm.", "We rowed out at dawn.\nNobody spoke."),
    ]
    assert task.input_note() == FIRST_SENTENCE_NOTE and items[0].origin.endswith("a.txt:1")
    (tmp_path / "c.txt").write_text("Just one sentence here.")
    with pytest.raises(InputError, match="one sentence"):
        _style_task(tmp_path)


EXPERIMENT = """\
name: style
data: {{path: {data}, validation_fraction: 0.2, test_fraction: 0.3}}
task: {{type: style, target: text, instruction: Continue in the author's voice., max_new_tokens: 12}}
model: {{path: {model}}}
stability: {{variants: 0}}
forgetting: {{texts: 0}}
methods:
  - method: zero_shot
  - {{method: few_shot, k: 2}}
"""


@pytest.fixture
def pieces_folder(tmp_path):
    folder = tmp_path / "pieces"
    folder.mkdir()
    for i, sonnet in enumerate(_texts("shakespeare_sonnets")[:20]):  # sonnet 12 is one sentence: split at a line
        (folder / f"{i:03}.txt").write_text(sonnet)
    return folder


def test_the_style_classifier_learns_the_training_pieces_only(tmp_path, tiny_model_dir, pieces_folder, monkeypatch):
    seen, real = [], style_module.AuthorshipClassifier

    def spy(author, others):
        seen.append(list(author))
        return real(author, others)

    monkeypatch.setattr(style_module, "AuthorshipClassifier", spy)
    path = tmp_path / "style.yaml"
    path.write_text(EXPERIMENT.format(data=pieces_folder, model=tiny_model_dir))
    task, splits = prepare(load_experiment(path))
    assert seen == [[item.target for item in splits.train]]
    assert not set(seen[0]) & {item.target for item in splits.test + splits.validation}
    assert "style_score" in task.fitted


def test_a_tiny_model_style_experiment_stores_the_style_score_with_an_interval(tmp_path, tiny_model_dir, pieces_folder):
    path = tmp_path / "style.yaml"
    path.write_text(EXPERIMENT.format(data=pieces_folder, model=tiny_model_dir))
    logged, store = [], Store()
    outcomes = run_experiment(load_experiment(path), store, log=logged.append)
    assert [o.status for o in outcomes] == ["completed", "completed"], outcomes
    assert FIRST_SENTENCE_NOTE in logged
    run, _ = store.run(outcomes[0].run_id)
    score = run.metrics["style_score"]
    assert 0 <= score["low"] <= score["value"] <= score["high"] <= 1 and run.primary_metric == "style_score"
    assert {"style_function_words", "style_vocabulary", "style_sentence_length", "chrf"} <= set(run.metrics)
    rows = store.predictions(run.id)
    assert np.mean([r.detail["scores"]["style_score"] for r in rows]) == pytest.approx(score["value"], abs=1e-5)
    decision = decision_for(store, "style")  # the paired test reads the stored per-example scores
    assert decision.leader is not None and all(t.test == "paired bootstrap" for t in decision.tests.values())
