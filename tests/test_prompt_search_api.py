"""Prompt search with a strong proposer behind an API: demonstrations bootstrapped from the proposer's answers
when the base gets none right, a $ budget that stops the search, and the winner's gain checked on test."""

from __future__ import annotations

import contextlib

import numpy as np
from scripted_api import PRAISE, ScriptedAPI

from tunewise.core.backend import Work
from tunewise.core.budget import BudgetConfig
from tunewise.data import load_examples, split_examples
from tunewise.evaluate import fit_context
from tunewise.methods import METHODS
from tunewise.models.api import ApiConfig, load_api
from tunewise.tasks import Task
from tunewise.tasks.config import TaskConfig


class Contrarian:
    """A base model that always answers wrongly, unless the prompt holds demonstrations: then it is right."""

    name, max_length, bills_tokens = "contrarian", 512, False

    def __init__(self):
        self.work = Work()

    def fresh(self):
        return contextlib.nullcontext()

    def render(self, messages):
        return "\n".join(f"{m['role']}: {m['content']}" for m in messages)

    def score(self, prompts, candidates, desc=""):
        rows = []
        for prompt in prompts:
            praised = any(word in prompt.rsplit("user:", 1)[-1] for word in PRAISE)
            right = "fresh" if praised else "rotten"
            wrong = {"fresh": "rotten", "rotten": "fresh"}[right]
            shown = prompt.count("assistant:") > 0
            rows.append([1.0 if c == (right if shown else wrong) else 0.0 for c in candidates])
        self.work.read_tokens += len(prompts)
        return np.array(rows)

    def generate(self, prompts, max_new_tokens, stop, desc=""):
        return ["Classify it."] * len(prompts)

    def text_log_likelihood(self, texts, desc=""):
        return 0.0, 0

    def count_tokens(self, text):
        return len(text.split())

    def parameter_count(self):
        return 1_000


def setup(sentiment_jsonl, api, **search):
    task = Task.from_config(TaskConfig(target="label", input="text", instruction="classify the movie review"))
    splits = split_examples(task.prepare(load_examples(sentiment_jsonl)), 0.2, 0.25, seed=0, stratify=True)
    proposer = load_api(ApiConfig(base_url=api.url, model="scripted", backoff_s=0.01), max_length=512)
    ctx = fit_context(task, splits, seed=0, budget=BudgetConfig(), models={"strong": proposer}.__getitem__)
    method = METHODS.get("prompt_search")
    config = method.config_class(**({"proposer": "strong", "templates": False, "proposals": 0, "k": 2} | search))
    return method, task, splits, ctx, config


def test_when_the_base_gets_none_right_the_proposers_answers_become_demonstrations(sentiment_jsonl):
    with ScriptedAPI() as api:
        method, task, splits, ctx, config = setup(sentiment_jsonl, api)
        adapted = method.fit(Contrarian(), task, splits, config, ctx)
    trace = adapted.details["search"]
    assert [row["source"] for row in trace] == ["base", "bootstrap (proposer)"]
    assert trace[0]["validation"] == 0.0 and trace[1]["validation"] == 1.0
    assert len(adapted.program.demos) == 2 and {answer for _, answer in adapted.program.demos} <= {"fresh", "rotten"}
    summary = adapted.details["search_summary"]
    assert summary["proposer"] == "scripted" and summary["test"]["gain"] == 1.0
    assert summary["test"]["p_value"] < 0.05
    assert adapted.details["measurement_work"]["read_tokens"] > 0  # the test check is kept out of the build
    lines = " ".join(section.title for section in method.summary(adapted.describe()))
    assert "on test 0.000 -> 1.000" in lines and "significant" in lines


def test_a_dollar_budget_stops_the_search(sentiment_jsonl):
    with ScriptedAPI() as api:
        method, task, splits, ctx, config = setup(sentiment_jsonl, api, max_usd=0.001, templates=True)
        spent = iter([0.0005, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002])
        ctx.spent_usd = lambda: next(spent)
        adapted = method.fit(Contrarian(), task, splits, config, ctx)
    summary = adapted.details["search_summary"]
    assert summary["evaluations"] == 2 and summary["stopped_by"] == "dollars"
    assert "the $ budget stopped it" in method.summary(adapted.describe())[0].title


def test_a_budget_spent_before_the_start_still_scores_the_starting_prompt(sentiment_jsonl):
    with ScriptedAPI() as api:
        method, task, splits, ctx, config = setup(sentiment_jsonl, api, max_usd=0.0)
        adapted = method.fit(Contrarian(), task, splits, config, ctx)
    summary = adapted.details["search_summary"]
    assert summary["evaluations"] == 1 and summary["stopped_by"] == "dollars"
