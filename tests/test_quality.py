"""The data quality report: each check on data built to trigger it, acknowledgement, and the CLI."""

import json

from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.core.items import Item, Splits
from tunewise.data.quality import check_quality, normalise


def items(*rows, split="train"):
    return [Item(text, label, f"{split}.jsonl:{i + 1}") for i, (text, label) in enumerate(rows)]


def checks(report):
    return {(f.check, f.severity) for f in report.findings}


CLEAN_TRAIN = items(*[(f"review {i} good", "pos") for i in range(5)], *[(f"review {i} bad", "neg") for i in range(5)])
CLEAN = Splits(
    CLEAN_TRAIN,
    items(("fine film", "pos"), ("weak film", "neg"), split="val"),
    items(("great film", "pos"), ("dull film", "neg"), split="test"),
)


def test_clean_data_has_no_findings():
    assert check_quality(CLEAN, ["pos", "neg"]).findings == []


def test_duplicates_conflicts_and_near_duplicates():
    train = CLEAN_TRAIN + items(("review 0 good", "pos"), ("review 1 good", "neg"), ("Review 2 GOOD!", "pos"))
    report = check_quality(Splits(train, CLEAN.validation, CLEAN.test), ["pos", "neg"])
    found = {f.check: f for f in report.findings}
    assert found["duplicates"].count == 2 and found["conflicting_answers"].count == 1
    assert found["near_duplicates"].count >= 1 and "train.jsonl:3" in " ".join(found["near_duplicates"].where)
    assert normalise("Ça  va, MOVIE!") == "ca va movie"


def test_leakage_is_a_warning_and_an_error_past_half_of_the_split():
    test = items(("review 0 good", "pos"), ("dull film", "neg"), ("other", "neg"), split="test")
    assert ("leakage", "warning") in checks(check_quality(Splits(CLEAN_TRAIN, CLEAN.validation, test), None))
    leaked = items(("Review 0 good.", "pos"), ("review 1 bad", "neg"), split="test")
    report = check_quality(Splits(CLEAN_TRAIN, CLEAN.validation, leaked), None)
    assert ("leakage", "error") in checks(report) and report.errors


def test_imbalance_and_missing_labels():
    train = items(*[(f"yes {i}", "pos") for i in range(8)], ("no", "neg"))
    report = check_quality(Splits(train, CLEAN.validation, items(("x", "pos"), split="test")), ["pos", "neg"])
    messages = " ".join(f.message for f in report.findings if f.check == "imbalance")
    assert "always answering 'pos' scores 89%" in messages and "test: no example of 'neg'" in messages


def test_too_long_and_encoding_damage():
    train = CLEAN_TRAIN + items(("cafÃ© was great", "pos"), ("bad \ufffd bytes", "neg"), ("bell\x07", "neg"))
    report = check_quality(Splits(train, CLEAN.validation, CLEAN.test), None, lambda text, answer: len(text), 12)
    found = {f.check: f for f in report.findings}
    assert found["encoding"].count == 3 and found["too_long"].count >= 1


def test_acknowledged_warnings_are_marked_but_errors_are_not():
    leaked = items(("review 0 good", "pos"), ("review 1 bad", "neg"), split="test")
    train = CLEAN_TRAIN + items(("review 0 good", "pos"))
    report = check_quality(Splits(train, CLEAN.validation, leaked), None, acknowledge=("duplicates", "leakage"))
    assert all(
        f.acknowledged == (f.severity == "warning") for f in report.findings if f.check in ("duplicates", "leakage")
    )
    assert report.errors  # acknowledging cannot silence an error


def test_data_check_cli_on_a_file_and_on_an_experiment(tmp_path, sentiment_jsonl, tiny_model_dir):
    path = tmp_path / "dup.jsonl"
    path.write_text(
        sentiment_jsonl.read_text() + json.dumps({"text": "a great film number 0", "label": "fresh"}) + "\n"
    )
    result = CliRunner().invoke(cli, ["data", "check", str(path)])
    assert result.exit_code == 0 and "duplicates" in result.output and "dup.jsonl:41" in result.output
    as_json = json.loads(CliRunner().invoke(cli, ["data", "check", str(path), "--json"]).output)
    assert as_json["sizes"]["train"] == 41 and as_json["findings"][0]["check"] == "duplicates"

    experiment = tmp_path / "exp.yaml"
    experiment.write_text(
        f"name: q\ndata: {{path: {path}}}\ntask: {{target: label, input: text}}\nmodel: {{path: {tiny_model_dir}}}\n"
        "methods: [{method: zero_shot}]\n"
    )
    result = CliRunner().invoke(cli, ["data", "check", str(experiment)])
    assert result.exit_code == 0 and "train" in result.output and "validation" in result.output


def test_a_data_error_stops_the_run_before_any_model_and_warnings_are_stored(tmp_path, sentiment_jsonl, tiny_model_dir):
    from tunewise.store import Store

    rows = sentiment_jsonl.read_text()
    split = {name: tmp_path / f"{name}.jsonl" for name in ("train", "validation", "test")}
    split["train"].write_text(rows)
    split["validation"].write_text(rows)
    split["test"].write_text(rows)  # the test split is the training data: every test input leaked
    experiment = tmp_path / "leak.yaml"
    experiment.write_text(
        f"name: leak\ndata: {{splits: {{train: {split['train']}, validation: {split['validation']}, "
        f"test: {split['test']}}}}}\ntask: {{target: label, input: text}}\n"
        f"model: {{path: {tiny_model_dir}}}\nstability: {{variants: 0}}\nmethods: [{{method: zero_shot}}]\n"
    )
    result = CliRunner().invoke(cli, ["run", str(experiment)])
    assert result.exit_code == 1 and "data check found 2 error(s)" in result.output
    assert "[leakage]" in result.stderr and Store().runs() == []

    split["validation"].write_text('{"text": "a new review", "label": "fresh"}\n{"text": "meh", "label": "rotten"}\n')
    split["test"].write_text(rows.splitlines(keepends=True)[0] + '{"text": "new review", "label": "rotten"}\n' * 3)
    result = CliRunner().invoke(cli, ["run", str(experiment)])
    assert result.exit_code == 0, result.output
    ((run, _),) = Store().runs()
    stored = run.details["data_quality"]
    assert {f["check"] for f in stored["findings"]} >= {"leakage", "duplicates"}
