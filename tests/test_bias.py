"""Bias probe: slices by column and by terms, the gap and its interval, stored and shown for every method."""

import json

import pytest
from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.core.items import Item
from tunewise.core.results import Prediction
from tunewise.evaluate.bias import bias_probe
from tunewise.evaluate.config import BiasConfig
from tunewise.tasks.task import Task


def case(rows):
    """rows: (input, slice, correct)"""
    items = [Item(text, "a", f"f:{i}", group) for i, (text, group, _) in enumerate(rows)]
    predictions = [
        Prediction(i.origin, i.input, "a", "a" if ok else "b", ok) for i, (_, _, ok) in zip(items, rows, strict=True)
    ]
    return items, predictions


TASK = Task(type="classification", template="{text}", target_field="label", labels=["a", "b"], metric="accuracy")


def test_a_real_gap_between_column_slices():
    items, predictions = case([("x", "north", True)] * 40 + [("y", "south", i < 10) for i in range(40)])
    result = bias_probe(BiasConfig(column="region"), TASK, items, predictions)
    assert result["slices"]["north"] == pytest.approx({"n": 40, "value": 1.0, "low": 1.0, "high": 1.0})
    gap = result["gap"]
    assert gap["best"] == "north" and gap["worst"] == "south" and gap["value"] == pytest.approx(0.75)
    assert gap["real"] and 0.5 < gap["low"] <= gap["high"] <= 1.0


def test_no_real_gap_when_slices_score_alike_and_term_matching_is_by_whole_word():
    rows = [(f"she said {i}", None, i % 2 == 0) for i in range(30)] + [
        (f"he said {i}", None, i % 2 == 1) for i in range(30)
    ]
    rows.append(("the theme", None, True))  # "he" inside "the"/"theme" is not the word "he"
    items, predictions = case(rows)
    result = bias_probe(BiasConfig(terms={"female": ["she", "her"], "male": ["he", "his"]}), TASK, items, predictions)
    assert result["slices"]["female"]["n"] == 30 and result["slices"]["male"]["n"] == 30
    assert result["gap"]["value"] == pytest.approx(0.0) and not result["gap"]["real"]


def test_bias_config_refuses_both_kinds_of_slices():
    with pytest.raises(ValueError, match="not both"):
        BiasConfig(column="x", terms={"a": ["b"]})


def test_bias_gap_is_stored_and_shown_for_every_method(tmp_path, tiny_model_dir, monkeypatch):
    from tunewise.store import Store

    monkeypatch.setenv("COLUMNS", "250")
    rows = [{"text": f"great film {i}", "label": "fresh", "genre": "drama" if i % 2 else "comedy"} for i in range(20)]
    rows += [{"text": f"dull film {i}", "label": "rotten", "genre": "drama" if i % 2 else "comedy"} for i in range(20)]
    data = tmp_path / "genres.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    experiment = tmp_path / "bias.yaml"
    experiment.write_text(
        f"name: b\ndata: {{path: {data}, test_fraction: 0.5}}\ntask: {{target: label, input: text}}\n"
        f"model: {{path: {tiny_model_dir}, batch_size: 4}}\nbudget: {{max_steps: 1}}\nstability: {{variants: 0}}\n"
        "forgetting: {texts: 0}\nbias: {column: genre}\nmethods: [{method: zero_shot}, {method: lora, r: 1}]\n"
    )
    result = CliRunner().invoke(cli, ["run", str(experiment)])
    assert result.exit_code == 0, result.output
    # The CLI's table is 170 columns wide when not on a terminal and may wrap headers; render it wide here.
    from rich.console import Console

    from tunewise.decide.load import decision_for
    from tunewise.report.leaderboard import leaderboard_table

    console = Console(width=400, record=True)
    console.print(leaderboard_table("b", decision_for(Store(), "b")))
    assert "bias gap [95% CI]" in console.export_text()
    for run, _ in Store().runs():
        slices = run.measured.bias["slices"]
        assert set(slices) == {"drama", "comedy"} and sum(s["n"] for s in slices.values()) == 20
    assert "bias probe (accuracy by slice): " in CliRunner().invoke(cli, ["show", "1"]).stdout
