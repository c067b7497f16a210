"""Bad method settings found while validating, each a one-line error with its YAML line (never a traceback)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tunewise.cli import cli

EXPERIMENT = """\
name: faults
data: {{path: {data}}}
task: {{target: label, input: text}}
model: {{path: {model}}}
methods:
  - method: hybrid
    search: {search}
"""


def validate(tmp_path, data, model, search: str):
    path = tmp_path / "faults.yaml"
    path.write_text(EXPERIMENT.format(data=data, model=model, search=search))
    return CliRunner().invoke(cli, ["validate", str(path)])


def test_hybrid_search_settings_are_checked_like_prompt_searchs(tmp_path, sentiment_jsonl, tiny_model_dir):
    result = validate(tmp_path, sentiment_jsonl, tiny_model_dir, "{max_evaluations: 0}")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "line 7: methods[0].search: need max_evaluations >= 1" in result.output
    typo = validate(tmp_path, sentiment_jsonl, tiny_model_dir, "{max_evaluation: 3}")
    assert "methods[0].search.max_evaluation: unknown key; allowed keys: instructions" in typo.output
    given = validate(tmp_path, sentiment_jsonl, tiny_model_dir, "null")
    assert given.exit_code == 0, given.output


def test_markup_in_user_text_is_printed_as_text(tmp_path, sentiment_jsonl, tiny_model_dir):
    """Method ids, instructions and data are the user's text: rich must not read '[/m]' as markup (it crashed)."""
    path = tmp_path / "markup.yaml"
    path.write_text(
        f"name: markup\ndata: {{path: {sentiment_jsonl}}}\ntask: {{target: label, input: text}}\n"
        f"model: {{path: {tiny_model_dir}}}\nstability: {{variants: 0}}\n"
        "methods:\n  - {method: zero_shot, id: '[/m]', instruction: '[bold]classify[/bold] it'}\n"
    )
    run = CliRunner().invoke(cli, ["run", str(path)])
    assert run.exit_code == 0, run.output
    assert "[/m]" in run.output  # the leaderboard and the recommendation
    shown = CliRunner().invoke(cli, ["show", "1"])
    assert shown.exit_code == 0, shown.output
    assert "[/m]" in shown.output and "[bold]classify[/bold] it" in shown.output


def test_train_and_test_files_without_validation_get_a_carved_validation_split(tmp_path, sentiment_jsonl):
    lines = sentiment_jsonl.read_text().splitlines()
    (tmp_path / "train.jsonl").write_text("\n".join(lines[::2]) + "\n")
    (tmp_path / "test.jsonl").write_text("\n".join(lines[1::2]) + "\n")
    path = tmp_path / "two-files.yaml"
    path.write_text(
        "name: two-files\ndata: {splits: {train: train.jsonl, test: test.jsonl}, validation_fraction: 0.25}\n"
        "task: {target: label, input: text}\nmethods:\n  - method: zero_shot\n"
    )
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "'train': 16, 'validation': 4, 'test': 20" in result.output  # 2.5 per label rounds to 2
    assert "validation: carved 25% (4 examples) from train.jsonl" in result.output


def test_a_dataset_generator_without_package_metadata_breaks_only_its_own_dataset(monkeypatch):
    """The reasoning-gym version used to be looked up when the catalog was imported, so a missing package
    metadata broke every command; now it is asked for only when that dataset is fetched."""
    import importlib.metadata

    from tunewise.data.catalog import DATASETS

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr("tunewise.data.datasets.gsm_symbolic.version", missing)
    assert "rotten_tomatoes" in DATASETS and DATASETS.get("rotten_tomatoes").fetch().exists()
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        DATASETS.get("gsm_symbolic").version()
