"""Personal data: each detector, precision/recall on the labelled sample, and an experiment with
`redact: true` that provably leaves no planted value in the store, the artifacts or the output."""

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.data.privacy import find_pii, mask, redact

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("mail jane.doe@example.com now", "email", "jane.doe@example.com"),
        ("call (415) 555-2671 today", "phone", "(415) 555-2671"),
        ("intl +44 20 7946 0958", "phone", "+44 20 7946 0958"),
        ("card 4111 1111 1111 1111", "card", "4111 1111 1111 1111"),
        ("iban GB82 WEST 1234 5698 7654 32", "iban", "GB82 WEST 1234 5698 7654 32"),
        ("host 192.168.1.20 up", "ip", "192.168.1.20"),
        ("host 2001:db8::1 up", "ip", "2001:db8::1"),
        ("ssn 536-22-1234", "national_id", "536-22-1234"),
        ("nhs 943 476 5919", "national_id", "943 476 5919"),
    ],
)
def test_each_detector_finds_valid_values(text, kind, value):
    assert [(m.kind, m.text) for m in find_pii(text)] == [(kind, value)]


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",  # fails Luhn
        "iban DE89 3704 0044 0532 0130 01",  # fails mod-97
        "ssn 078-05-1120",  # the famous Woolworth wallet number, invalid
        "address 999.1.1.1",
        "at 10:30, ratio 16:9",
        "order 12345678 on 2024-05-04",
    ],
)
def test_look_alikes_and_bad_checksums_are_not_flagged(text):
    assert find_pii(text) == []


def test_redact_and_mask():
    assert redact("Mail jane@example.com or call (415) 555-2671.") == "Mail <EMAIL> or call <PHONE>."
    assert mask("jane@example.com") == "j*************om" and "example" not in mask("jane@example.com")


def test_precision_and_recall_on_the_labelled_sample_match_the_readme():
    spec = importlib.util.spec_from_file_location("pii_eval", REPO / "bench" / "pii_eval.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    scores = module.evaluate()
    assert scores["all"]["labelled"] == 27
    assert scores["all"]["precision"] == pytest.approx(0.93, abs=0.01)
    assert scores["all"]["recall"] == pytest.approx(0.96, abs=0.01)
    for kind in ("email", "card", "iban", "national_id"):
        assert scores[kind]["precision"] == scores[kind]["recall"] == 1.0


PLANTED = [
    "jane.doe@example.com",
    "(415) 555-2671",
    "4111 1111 1111 1111",
    "GB82 WEST 1234 5698 7654 32",
    "10.20.30.40",
]


def planted_data(tmp_path) -> Path:
    rows = [{"text": f"a great film number {i}", "label": "fresh"} for i in range(18)]
    rows += [{"text": f"a dull mess number {i}", "label": "rotten"} for i in range(18)]
    for i, value in enumerate(PLANTED):  # personal data in training, validation and test inputs alike
        rows.append({"text": f"loved it, write me at {value} thanks {i}", "label": "fresh"})
        rows.append({"text": f"hated it, my details {value} bye {i}", "label": "rotten"})
    path = tmp_path / "pii.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def run(tmp_path, data: Path, model: Path, redact_flag: bool):
    experiment = tmp_path / f"pii-{redact_flag}.yaml"
    experiment.write_text(
        f"name: pii\nseed: 1\ndata: {{path: {data}, redact: {str(redact_flag).lower()}}}\n"
        "task: {target: label, input: text, instruction: classify the review}\n"
        f"model: {{path: {model}, batch_size: 4}}\nbudget: {{max_steps: 2}}\n"
        "stability: {variants: 1, examples: 4}\nforgetting: {texts: 5}\n"
        "methods:\n  - method: zero_shot\n  - method: few_shot\n    k: 4\n  - method: lora\n    r: 1\n"
    )
    return CliRunner().invoke(cli, ["run", str(experiment)])


def test_redacted_experiment_stores_no_raw_personal_data(tmp_path, tiny_model_dir, isolated_home):
    result = run(tmp_path, planted_data(tmp_path), tiny_model_dir, redact_flag=True)
    assert result.exit_code == 0, result.output
    assert "personal data replaced by placeholders (card 2, iban 2, email 2, ip 2, phone 2)" in " ".join(
        result.stderr.split()
    )
    stored = [p for p in isolated_home.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".db") for p in stored) and any("artifact" in p.parts for p in stored)
    haystack = b"".join(p.read_bytes() for p in stored) + result.output.encode()
    for value in PLANTED:
        assert value.encode() not in haystack, f"{value} reached the store, an artifact or the output"
    placeholders = [b"<EMAIL>", b"<PHONE>", b"<CARD>", b"<IBAN>", b"<IP>"]
    assert sum(tag in haystack for tag in placeholders) >= 3  # the placeholders are what the methods saw


def test_without_redact_personal_data_is_a_warning_with_masked_examples(tmp_path, tiny_model_dir):
    from tunewise.cli import cli as command

    result = CliRunner().invoke(command, ["data", "check", str(planted_data(tmp_path))])
    assert result.exit_code == 0 and "personal_data" in result.output and "data.redact: true" in result.output
    assert not any(value in result.output for value in PLANTED)  # examples are masked
