"""Metrics for generated text against hand-computed values and edge cases, their intervals, and a task that
names several of them."""

from __future__ import annotations

import contextlib

import pytest

from tunewise.core.adapted import Adapted
from tunewise.core.backend import Work
from tunewise.core.items import Item
from tunewise.core.prompt import PromptProgram
from tunewise.core.typed import Problems, build
from tunewise.evaluate.bootstrap import bootstrap_interval
from tunewise.evaluate.evaluate import evaluate
from tunewise.models.similarity import semantic_similarity
from tunewise.tasks.config import TaskConfig
from tunewise.tasks.metrics import METRICS, metrics_for
from tunewise.tasks.task import Task
from tunewise.tasks.text_metrics import (
    chrf,
    items,
    json_match,
    length_ratio,
    rouge_l,
    set_f1,
    set_precision,
    set_recall,
    token_f1,
    valid_json,
)


def test_token_f1_by_hand():
    # "the cat sat" vs "a cat sat down": articles dropped -> [cat, sat] vs [cat, sat, down]: P 1, R 2/3, F1 0.8
    assert token_f1("The cat sat.", "a cat sat down") == pytest.approx(0.8)
    assert token_f1("", "") == 1.0 and token_f1("", "cat") == 0.0 and token_f1("dog", "cat") == 0.0
    assert token_f1("cat cat", "cat") == pytest.approx(2 / 3)  # a repeated word counts once against one


def test_rouge_l_by_hand():
    # LCS of [a, b, c, d] and [a, c, d, e] is [a, c, d] = 3: P 3/4, R 3/4, F 0.75
    assert rouge_l("a b c d", "a c d e") == pytest.approx(0.75)
    assert rouge_l("d c b a", "a b c d") == pytest.approx(0.25)  # order matters, unlike token F1
    assert rouge_l("Über straße", "über Straße") == 1.0  # unicode words, case-insensitive


def test_set_scores_are_order_free_and_parse_every_list_form():
    target = "[Bank - ORGANIZATION, Santa Clara - LOCATION]"
    assert set_f1("[Santa Clara - LOCATION, Bank - ORGANIZATION]", target) == 1.0
    assert set_f1('["bank - organization"]', target) == pytest.approx(2 / 3)  # P 1, R 1/2
    assert set_precision("Bank - ORGANIZATION; Paris - LOCATION", target) == 0.5
    assert set_recall("Bank - ORGANIZATION\nBank - ORGANIZATION", target) == 0.5  # duplicates count once
    assert items("a, b,, c") == {"a", "b", "c"} and items("[]") == set()
    assert set_f1("", "[]") == 1.0 and set_f1("x", "[]") == 0.0 and set_recall("", "[a]") == 0.0


def test_json_match_counts_equal_fields():
    target = '{"name": "Ada", "year": 1815, "field": "maths"}'
    assert json_match('Here: {"name": "Ada", "year": 1815, "field": "poetry"}', target) == pytest.approx(2 / 3)
    assert json_match("not json", target) == 0.0 and json_match('{"name": "Ada"}', "no object") == 0.0


def test_format_and_length_checks():
    assert valid_json('{"a": 1}', '{"b": 2}') == 1.0 and valid_json("a: 1", '{"b": 2}') == 0.0
    assert valid_json("plain", "text") == 1.0
    assert length_ratio("one two", "one two three four") == 0.5 and length_ratio("", "") == 1.0
    assert length_ratio("", "word") == 0.0


def test_semantic_similarity_credits_a_paraphrase():
    # the packaged MiniLM encoder, fetched by `make setup`
    paraphrase = semantic_similarity("The film was wonderful.", "A truly great movie.")
    unrelated = semantic_similarity("The film was wonderful.", "The tax form is due in April.")
    assert paraphrase > unrelated + 0.3 and semantic_similarity("same words", "same words") == pytest.approx(1.0)
    assert semantic_similarity("", "") == 1.0 and semantic_similarity("", "x") == 0.0


def test_chrf_rewards_a_near_miss_and_is_exact_for_equal_text():
    assert chrf("colour", "colour") == pytest.approx(1.0)
    assert 0.3 < chrf("color", "colour") < 1.0 and chrf("xyz", "colour") < 0.1
    assert chrf("", "") == 1.0


def test_graded_metrics_get_intervals_from_their_per_example_scores():
    metric = METRICS.get("token_f1")
    predictions, targets = ["cat", "dog", "cat sat", "bird"], ["cat", "cat", "cat sat", "cat"]
    assert metric.compute(predictions, targets, None) == pytest.approx(0.5)
    low, high = bootstrap_interval(metric, predictions, targets, None, seed=0)
    assert 0.0 <= low < 0.5 < high <= 1.0


def test_a_task_reports_the_metrics_it_names_and_refuses_unknown_ones():
    config = TaskConfig(target="answer", type="generation", metric="set_f1", metrics=["set_precision", "set_recall"])
    names = [m.name for m in metrics_for(config.type, (config.metric, *config.metrics))]
    assert {"set_f1", "set_precision", "set_recall", "exact_match"} <= set(names) and "chrf" not in names
    problems = Problems()
    build(TaskConfig, {"target": "a", "type": "generation", "metrics": ["chrf", "rogue_l"]}, problems)
    assert problems.items and "rogue_l" in problems.items[0] and "rouge_l" in problems.items[0]


class Extractor:
    """A fake model that answers every input with the entities it finds: capitalised words, as a list."""

    name, max_length, bills_tokens = "extractor", 512, False

    def __init__(self):
        self.work = Work()

    def fresh(self):
        return contextlib.nullcontext()

    def render(self, messages):
        return messages[-1]["content"]

    def generate(self, prompts, max_new_tokens, stop, desc=""):
        return ["[" + ", ".join(w for w in p.split() if w[0].isupper()) + "]" for p in prompts]

    def count_tokens(self, text):
        return len(text.split())


def test_an_extraction_task_reports_set_f1_with_precision_and_recall():
    task = Task.from_config(
        TaskConfig(target="answer", type="generation", metric="set_f1", metrics=["set_precision", "set_recall"])
    )
    items_ = [
        Item("Ada met Charles in London", "[Ada, Charles, London]", "t:1"),
        Item("the Bank of Paris", "[Bank of Paris]", "t:2"),  # finds [Bank, Paris]: P 0, R 0
    ]
    result = evaluate(Adapted("zero_shot", Extractor(), PromptProgram()), task, items_)
    assert result.primary == "set_f1" and result.metrics["set_f1"].value == pytest.approx(0.5)
    assert result.metrics["set_precision"].value == 0.5 and result.metrics["set_recall"].value == 0.5
    assert result.metrics["set_f1"].low <= 0.5 <= result.metrics["set_f1"].high
