"""Every registered method keeps the Method contract: check -> fit -> evaluate -> save -> load -> the same
answers. Prompt methods run on a scripted fake backend (no model at all); methods that train weights run on
the tiny random model. A new method folder is picked up here without touching this file."""

from __future__ import annotations

import contextlib
import dataclasses
import json

import numpy as np
import pytest

from tunewise.core.backend import Work
from tunewise.core.budget import BudgetConfig
from tunewise.core.errors import TunewiseError
from tunewise.core.sections import Section
from tunewise.data import load_examples, split_examples
from tunewise.evaluate import fit_context
from tunewise.methods import METHODS
from tunewise.tasks import Task
from tunewise.tasks.config import TaskConfig

# Small settings for any method that has the field; a method without it keeps its default.
SMALL = {"epochs": 1, "batch_size": 4, "max_evaluations": 3, "checkpoint_every": None, "k": 2, "r": 2}


def rated_pairs(folder):
    """A small preference-pairs file (the `tunewise ratings --export pairs` format) for methods that learn from
    ratings."""
    words = [("fresh great", "fresh", "rotten"), ("rotten dull", "rotten", "fresh")]
    rows = [
        {"prompt": f"{w} film number {i}", "chosen": good, "rejected": bad} for i in range(4) for w, good, bad in words
    ]
    path = folder / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return {"pairs": str(path)}


# Settings a method cannot do without (a file of its own), made in the test's folder.
REQUIRED = {"dpo": rated_pairs}


class ScriptedBackend:
    """A fake base model (like DSPy's DummyLM): deterministic scores and replies, so prompt methods can be run
    and compared without any network. A label scores higher the more of its characters the prompt contains."""

    name = "scripted"
    max_length = 512
    bills_tokens = False

    def __init__(self):
        self.work = Work()

    def fresh(self):
        return contextlib.nullcontext()

    def render(self, messages):
        return "\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\nassistant:"

    def score(self, prompts, candidates, desc=""):
        return np.array([[sum(p.count(ch) for ch in set(c)) / (1 + len(c)) for c in candidates] for p in prompts])

    def generate(self, prompts, max_new_tokens, stop, desc=""):
        return [f"Read the input and answer it well.\nAnswer: {len(p) % 7}" for p in prompts]

    def text_log_likelihood(self, texts, desc=""):
        tokens = sum(len(t.split()) for t in texts)
        return -2.0 * tokens, tokens

    def count_tokens(self, text):
        return len(text.split())

    def parameter_count(self):
        return 1_000


def tasks(tmp_path):
    reviews = [
        {"text": f"{w} film number {i}", "label": lab}
        for i in range(12)
        for w, lab in (("fresh great", "fresh"), ("rotten dull", "rotten"))
    ]
    sums = [{"question": f"what is {a} plus {b}", "answer": str(a + b)} for a in range(1, 6) for b in range(1, 5)]
    made = []
    for name, rows, config in (
        ("reviews", reviews, TaskConfig(target="label", input="text", instruction="classify the review")),
        ("sums", sums, TaskConfig(target="answer", input="question", type="generation", max_new_tokens=8)),
    ):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        task = Task.from_config(config)
        made.append((task, split_examples(task.prepare(load_examples(path)), 0.25, 0.25, seed=0, stratify=False)))
    return made


def settings_for(name, method, folder):
    names = {f.name for f in dataclasses.fields(method.config_class)}
    required = REQUIRED[name](folder) if name in REQUIRED else {}
    return method.config_class(**{k: v for k, v in SMALL.items() if k in names}, **required)


def accepted_task(method, config, candidates):
    """The first task (classification, then generation) whose data the method's check accepts."""
    for task, splits in candidates:
        try:
            method.check(config, task, splits)
        except TunewiseError:
            continue
        return task, splits
    pytest.fail(f"{method} accepts neither a classification nor a generation task")


@pytest.mark.parametrize("name", METHODS.names())
def test_fit_evaluate_save_load_gives_the_same_answers(name, tmp_path, tiny_backend):
    method = METHODS.get(name)
    assert isinstance(method.trains_weights, bool) and dataclasses.is_dataclass(method.config_class)
    config = settings_for(name, method, tmp_path)
    task, splits = accepted_task(method, config, tasks(tmp_path))
    base = tiny_backend if method.trains_weights else ScriptedBackend()
    ctx = fit_context(task, splits, seed=0, budget=BudgetConfig(max_steps=2))

    adapted = method.fit(base, task, splits, config, ctx)
    before = ctx.evaluate(adapted, splits.test, intervals=False)
    size = adapted.save(tmp_path / "artifact")
    reloaded = method.load(base, task, tmp_path / "artifact")
    after = ctx.evaluate(reloaded, splits.test, intervals=False)

    assert size > 0 and (adapted.trainable_params > 0) == method.trains_weights
    assert reloaded.trainable_params == adapted.trainable_params
    assert reloaded.program.to_dict() == adapted.program.to_dict()
    assert [p.prediction for p in after.predictions] == [p.prediction for p in before.predictions]
    assert after.score == before.score
    if task.is_classification:  # label scores, not only the argmax, survive the round trip
        for b, a in zip(before.predictions, after.predictions, strict=True):
            assert a.detail["scores"] == pytest.approx(b.detail["scores"], abs=1e-3)
    # The weights themselves came back: the reloaded model reads text exactly as the fitted one, and a trained
    # one differently from the base (two steps are enough to move it).
    text = [item.input for item in splits.test]
    fitted, loaded = adapted.backend.text_log_likelihood(text), reloaded.backend.text_log_likelihood(text)
    assert loaded[0] == pytest.approx(fitted[0], rel=1e-6)
    assert (abs(fitted[0] - base.text_log_likelihood(text)[0]) > 1e-4) == method.trains_weights
    assert method.folds(config) is None or method.trains_weights  # only trained methods cross-validate
    assert all(isinstance(s, Section) for s in method.summary(adapted.describe()))


@pytest.mark.parametrize("name", METHODS.names())
def test_every_method_explains_itself_in_plain_words(name):
    """The studio shows ``about`` to people who have never seen the code: one or two sentences, no jargon-only
    stub (a name repeated, an empty string)."""
    about = METHODS.get(name).about
    assert isinstance(about, str) and len(about.split()) >= 8 and about.strip().endswith(".")
    assert about.count(". ") <= 1  # at most two sentences
