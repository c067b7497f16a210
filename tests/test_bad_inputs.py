"""The bad-input corpus (tests/data/bad): every file gets one clear line naming the file, line, field, value
and fix, never a traceback, and a run on it leaves the store exactly as it was."""

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tunewise.cli import cli

BAD = Path(__file__).resolve().parent / "data" / "bad"

CASES = {
    "malformed.jsonl": ["malformed.jsonl:2:", "malformed JSON", "fix: write one JSON object per line"],
    "not_an_object.jsonl": ["not_an_object.jsonl:1:", "must be a JSON object", "fix:"],
    "wrong_types.jsonl": ["wrong_types.jsonl:2:", "field 'text'", "must be text or a number", "['a', 'list']"],
    "missing_field.jsonl": ["missing_field.jsonl:2:", "field 'text'", "missing", "review, label", "fix:"],
    "empty_field.jsonl": ["empty_field.jsonl:1:", "field 'text'", "is empty", "fix:"],
    "unknown_label.jsonl": ["unknown_label.jsonl:2:", "field 'label'", "unknown label", "'meh'", "fresh, rotten"],
    "not_utf8.jsonl": ["not_utf8.jsonl:2:", "not UTF-8", "re-save the file as UTF-8"],
    "empty.jsonl": ["empty.jsonl:", "holds no examples", "fix:"],
    "empty.csv": ["empty.csv:", "holds no examples"],
    "duplicated_header.csv": ["duplicated_header.csv:1:", "field 'text'", "names a column twice", "rename"],
    "malformed.csv": ["malformed.csv:3:", "header has 2", "unclosed quote", "fix:"],
}


def check(path: Path):
    return CliRunner().invoke(cli, ["data", "check", str(path), "--labels", "fresh,rotten"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_bad_file_gets_one_clear_line(name):
    result = check(BAD / name)
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for fragment in CASES[name]:
        assert fragment in lines[0], f"{fragment!r} missing from: {lines[0]}"


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_10_mb_line_is_refused_with_its_line_and_field(tmp_path, suffix):
    huge = "word " * 2_000_000
    path = tmp_path / f"huge{suffix}"
    if suffix == ".jsonl":
        path.write_text(
            json.dumps({"text": "fine", "label": "fresh"}) + "\n" + json.dumps({"text": huge, "label": "rotten"}) + "\n"
        )
    else:
        path.write_text(f"text,label\nfine,fresh\n{huge},rotten\n")
    result = check(path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"huge{suffix}:" in result.output and "field 'text'" in result.output
    assert "10,000,000 characters long; the limit is 100,000" in result.output


def test_an_experiment_with_typos_and_wrong_types_lists_every_problem_with_its_line():
    result = CliRunner().invoke(cli, ["validate", str(BAD / "typos.yaml")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    for expected in (
        "6 problem(s)",
        "line 4: data.limt: unknown key; allowed keys: dataset, path",
        "line 7: task.typ: unknown key; allowed keys: target, input, type",
        "line 9: model.batch_size: expected int, got str 'eight'",
        "line 10: seed: expected int, got str 'zero'",
        "line 14: methods[0].learning_rat: unknown key; allowed keys: learning_rate",
        "line 15: methods[1].method: unknown method 'zero_shoot'; available:",
    ):
        assert expected in result.output


def dump(home: Path) -> tuple[list[str], list[str]]:
    database = home / "tunewise.db"
    rows = list(sqlite3.connect(database).iterdump()) if database.exists() else []
    files = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file() and "tunewise.db" not in p.name)
    return rows, files


def test_runs_on_bad_data_leave_the_store_exactly_as_it_was(tmp_path, sentiment_jsonl, tiny_model_dir, isolated_home):
    def experiment(data: Path) -> Path:
        path = tmp_path / f"exp-{data.stem}.yaml"
        path.write_text(
            f"name: corpus\ndata: {{path: {data}}}\ntask: {{target: label, input: text, labels: [fresh, rotten]}}\n"
            f"model: {{path: {tiny_model_dir}}}\nbudget: {{max_steps: 1}}\nstability: {{variants: 0}}\n"
            "forgetting: {texts: 0}\nmethods: [{method: zero_shot}]\n"
        )
        return path

    assert CliRunner().invoke(cli, ["run", str(experiment(sentiment_jsonl))]).exit_code == 0
    before = dump(isolated_home)
    assert before[0] and before[1]  # a completed run and its artifact
    for name in CASES:
        result = CliRunner().invoke(cli, ["run", str(experiment(BAD / name))])
        assert result.exit_code == 1 and "Traceback" not in result.output, name
        assert dump(isolated_home) == before, f"a run on {name} changed the store"
