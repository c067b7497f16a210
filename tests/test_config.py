from pathlib import Path

import pytest

from tunewise.core.errors import ConfigError
from tunewise.run.config import load_experiment

REPO = Path(__file__).resolve().parent.parent

VALID = """\
name: demo
data:
  path: reviews.jsonl
task:
  target: label
  input: text
methods:
  - method: zero_shot
  - method: lora
    r: 4
"""


def write(tmp_path, text):
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    return path


def problems(tmp_path, text, overrides=()):
    with pytest.raises(ConfigError) as info:
        load_experiment(write(tmp_path, text), list(overrides))
    return info.value.problems


def test_valid_file_loads_with_defaults_and_typed_method_params(tmp_path):
    config = load_experiment(write(tmp_path, VALID))
    assert config.model.name == "smollm2-135m-instruct"
    assert config.task.type == "classification"
    assert [e.id for e in config.entries] == ["zero_shot", "lora"]
    assert config.entries[1].params.r == 4 and config.entries[1].params.alpha == 16
    assert config.data.path == str(tmp_path / "reviews.jsonl")  # relative to the experiment file


def test_unknown_key_names_line_and_allowed_keys(tmp_path):
    found = problems(tmp_path, VALID.replace("  target: label", "  target: label\n  lables: [a, b]"))
    assert len(found) == 1
    assert found[0].startswith("line 6: task.lables: unknown key; allowed keys: target, input, type, labels")


def test_every_problem_is_reported_at_once(tmp_path):
    text = VALID.replace("name: demo", "name: demo\nseed: three").replace("r: 4", "r: 4\n    rank: 8")
    text = text.replace("input: text", "input: text\n  type: regression")
    found = problems(tmp_path, text)
    joined = "\n".join(found)
    assert len(found) == 3
    assert "seed: expected int, got str 'three'" in joined
    assert "task.type: 'regression' is not allowed; choose one of: classification, generation" in joined
    assert "methods[1].rank: unknown key; allowed keys:" in joined and " r," in joined


def test_unknown_method_lists_available(tmp_path):
    found = problems(tmp_path, VALID.replace("method: lora", "method: lorra"))
    assert len(found) == 1 and found[0].startswith("line 9: methods[1].method: unknown method 'lorra'; available: ")
    assert {"few_shot", "lora", "zero_shot", "prompt_search"} <= set(found[0].split("available: ")[1].split(", "))


def test_missing_required_and_relations(tmp_path):
    found = problems(tmp_path, "name: x\ndata: {dataset: rotten_tomatoes, path: a.csv}\nmethods: []\n")
    joined = "\n".join(found)
    assert "task: required key is missing" in joined
    assert "give exactly one of dataset, path or splits" in joined
    assert "methods: expected a non-empty list" in joined


def test_out_of_range_method_value(tmp_path):
    found = problems(tmp_path, VALID.replace("r: 4", "r: 4\n    learning_rate: -1"))
    assert "learning_rate=-1" in found[0]


def test_duplicate_method_ids(tmp_path):
    found = problems(tmp_path, VALID.replace("method: lora\n    r: 4", "method: zero_shot"))
    assert "id 'zero_shot' is used twice" in found[0]


def test_overrides_by_path_and_by_method_id(tmp_path):
    config = load_experiment(write(tmp_path, VALID), ["seed=7", "methods.lora.r=16", "task.labels=[x, y]"])
    assert config.seed == 7 and config.entries[1].params.r == 16 and config.task.labels == ["x", "y"]
    assert "override" in problems(tmp_path, VALID, ["methods.nope.r=1"])[0]


def test_yaml_syntax_error_and_missing_file(tmp_path):
    assert "not valid YAML" in problems(tmp_path, "name: [unclosed\n")[0]
    with pytest.raises(ConfigError, match="file not found"):
        load_experiment(tmp_path / "nope.yaml")


@pytest.mark.parametrize("path", sorted((REPO / "examples").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_examples_validate(path):
    assert load_experiment(path).entries


def test_numbers_yaml_reads_as_strings_are_numbers_and_words_are_not(tmp_path):
    config = load_experiment(write(tmp_path, VALID + "    learning_rate: 3e-4\n"))
    assert config.entries[1].params.learning_rate == pytest.approx(3e-4)
    found = problems(tmp_path, VALID + "    learning_rate: fast\n")
    assert found == ["line 11: methods[1].learning_rate: expected float, got str 'fast'"]
