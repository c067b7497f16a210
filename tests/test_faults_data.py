"""Issue 11, what real data and faults broke: valid input that was refused, optional files that were required,
inputs that hung or exhausted memory, tracebacks instead of one line, and data that was silently misread."""

import itertools
import json
import os
import random
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from tunewise.cli import cli
from tunewise.core.errors import ConfigError, InputError
from tunewise.core.items import Item, Splits
from tunewise.data import load_examples
from tunewise.data.quality import check_quality, normalize_label
from tunewise.run.config import load_experiment
from tunewise.run.sweep import SweepConfig
from tunewise.tasks import Task
from tunewise.tasks import prepare as prepare_module
from tunewise.tasks.config import TaskConfig
from tunewise.tasks.prepare import prepare_splits

SEPARATORS = ["\x85", "\u2028", "\u2029", "\x1c", "\x1d", "\x1e"]


def rows(n=40, labels=("fresh", "rotten")):
    return [{"text": f"review number {i}", "label": labels[i % len(labels)]} for i in range(n)]


def jsonl(tmp_path, records, name="data.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def experiment(tmp_path, data: str, model: Path, extra: str = "", task="{target: label, input: text}") -> Path:
    path = tmp_path / "exp.yaml"
    path.write_text(
        f"name: faults\ndata: {data}\ntask: {task}\nmodel: {{path: {model}}}\n{extra}methods: [{{method: zero_shot}}]\n"
    )
    return path


def problems(path: Path, overrides=()) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_experiment(path, list(overrides))
    return info.value.problems


def cli_error(args) -> list[str]:
    """The CLI's answer to bad input: exit 1 through a TunewiseError (never an exception), message lines."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("Error: "), result.output
    return lines


def one_line(args, *fragments) -> str:
    lines = cli_error(args)
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} missing from {lines[0]}"
    return lines[0]


def check_file(path: Path, *extra):
    return ["data", "check", path, *extra]


def prepared(tmp_path, model, data: str, extra="", task="{target: label, input: text}"):
    config = load_experiment(experiment(tmp_path, data, model, extra, task))
    task_ = Task.from_config(config.task)
    return task_, prepare_splits(config.data, task_, config.seed)


# 1. Valid input that was refused


@pytest.mark.parametrize("separator", SEPARATORS, ids=lambda c: f"U+{ord(c):04X}")
def test_line_separators_inside_a_json_string_are_text(tmp_path, separator):
    records = [{"text": f"a{separator}b", "label": "x"}, {"text": "c", "label": "y"}, {"text": "d", "label": "x"}]
    raw = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)  # U+001C-1E stay escaped: JSON says so
    (tmp_path / "data.jsonl").write_text(raw, encoding="utf-8")
    examples = load_examples(tmp_path / "data.jsonl")
    assert [e.line for e in examples] == [1, 2, 3] and examples[0].fields["text"] == f"a{separator}b"
    assert Task.from_config(TaskConfig(target="label")).prepare(examples)[0].input == f"a{separator}b"


@pytest.mark.parametrize("separator", ["\x1c", "\x1d", "\x1e"], ids=lambda c: f"U+{ord(c):04X}")
def test_a_raw_control_character_in_json_is_named_on_its_own_line(tmp_path, separator):
    path = tmp_path / "data.jsonl"
    path.write_text(f'{{"text": "a", "label": "x"}}\n{{"text": "b{separator}c", "label": "y"}}\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_examples(path)
    assert info.value.line == 2 and "Invalid control character at column 12" in str(info.value)


@pytest.mark.parametrize("separator", SEPARATORS, ids=lambda c: f"U+{ord(c):04X}")
def test_line_separators_inside_a_csv_cell_are_text(tmp_path, separator):
    path = tmp_path / "data.csv"
    path.write_text(f'text,label\n"quoted{separator}cell",x\nplain{separator}cell,y\n', encoding="utf-8")
    examples = load_examples(path)
    assert [e.fields["text"] for e in examples] == [f"quoted{separator}cell", f"plain{separator}cell"]
    assert [e.line for e in examples] == [2, 3]


def test_crlf_bom_and_a_missing_final_newline_still_read(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"text": "a", "label": "x"}\r\n\r\n{"text": "b", "label": "y"}')
    assert [(e.fields["text"], e.line) for e in load_examples(path)] == [("a", 1), ("b", 3)]
    csv = tmp_path / "data.csv"
    csv.write_bytes(b'\xef\xbb\xbftext,label\r\n"two\r\nlines",x\r\nb,y')
    assert [(e.fields["text"], e.line) for e in load_examples(csv)] == [("two\r\nlines", 2), ("b", 4)]


def test_numbers_in_yaml_label_lists_and_verbalizer_keys_are_label_text(tmp_path, sentiment_jsonl):
    path = experiment(tmp_path, f"{{path: {sentiment_jsonl}}}", tmp_path, task="{target: label, labels: [1, 2]}")
    path.write_text(path.read_text().replace("{method: zero_shot}", "{method: zero_shot, verbalizer: {1: one}}"))
    config = load_experiment(path)
    assert config.task.labels == ["1", "2"] and config.entries[0].params.verbalizer == {"1": "one"}


# 2. Optional files that were required


def test_train_and_test_without_validation_carve_a_stratified_validation(tmp_path, tiny_model_dir):
    train, test = jsonl(tmp_path, rows(40), "train.jsonl"), jsonl(tmp_path, rows(10), "test.jsonl")
    data = f"{{splits: {{train: {train}, test: {test}}}, validation_fraction: 0.25}}"
    _, splits = prepared(tmp_path, tiny_model_dir, data)
    assert splits.sizes() == {"train": 30, "validation": 10, "test": 10}
    assert sorted(i.target for i in splits.validation) == ["fresh"] * 5 + ["rotten"] * 5
    assert not {i.origin for i in splits.validation} & {i.origin for i in splits.train}
    carved = splits.carved
    assert carved.origins == [i.origin for i in splits.validation] and all("train.jsonl:" in o for o in carved.origins)
    assert carved.message() == "validation: carved 25% (10 examples) from train.jsonl"
    assert prepared(tmp_path, tiny_model_dir, data)[1] == splits  # seeded
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "exp.yaml")])
    assert result.exit_code == 0 and "'validation': 10" in result.output


def test_given_validation_file_is_used_and_nothing_is_carved(tmp_path, tiny_model_dir):
    files = {n: jsonl(tmp_path, rows(8), f"{n}.jsonl") for n in ("train", "validation", "test")}
    data = f"{{splits: {{train: {files['train']}, validation: {files['validation']}, test: {files['test']}}}}}"
    _, splits = prepared(tmp_path, tiny_model_dir, data)
    assert splits.carved is None and splits.sizes() == {"train": 8, "validation": 8, "test": 8}


# 3. Inputs that hung or exhausted memory


def alias_bomb() -> str:
    text, previous = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n", "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
        previous = name
    return text


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path, sentiment_jsonl, tiny_model_dir):
    path = experiment(tmp_path, f"{{path: {sentiment_jsonl}}}", tiny_model_dir)
    text = path.read_text()
    path.write_text(alias_bomb() + text)
    started = time.perf_counter()
    found = problems(path)
    assert time.perf_counter() - started < 5
    assert len(found) == 1 and "expands to more than 100,000 values through aliases" in found[0]
    path.write_text("a: &a [*a]\n" + text)
    assert "refers to a node that contains it" in problems(path)[0]
    lines = cli_error(["validate", path])
    assert len(lines) == 2 and "line 1:" in lines[1]


def test_a_sweep_grid_is_counted_never_built(tmp_path, sentiment_jsonl, tiny_model_dir):
    grid = ", ".join(f"{name}: [{', '.join(map(str, range(1, 11)))}]" for name in ("r", "alpha", "epochs"))
    grid += ", learning_rate: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]"
    grid += ", batch_size: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], warmup: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"
    grid += ", weight_decay: [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]"
    path = experiment(tmp_path, f"{{path: {sentiment_jsonl}}}", tiny_model_dir)
    text = path.read_text().replace("{method: zero_shot}", f"{{method: lora, sweep: {{parameters: {{{grid}}}}}}}")
    path.write_text(text)
    started = time.perf_counter()
    found = problems(path)
    assert "10,000,000 combinations; at most 1,000 trials" in found[0] and time.perf_counter() - started < 5
    path.write_text(text.replace("}}}", "}, strategy: random, trials: 3}}"))
    config = load_experiment(path)
    assert len(config.entries) == 3 and time.perf_counter() - started < 5


def test_a_random_sweep_draws_what_sampling_the_built_grid_drew():
    parameters = {"r": [1, 2, 3], "alpha": [4, 8], "dropout": [0.0, 0.1, 0.2, 0.3]}
    grid = [dict(zip(parameters, values, strict=True)) for values in itertools.product(*parameters.values())]
    assert SweepConfig(parameters, "random", 7, seed=5).combinations() == random.Random(5).sample(grid, 7)
    assert SweepConfig(parameters, "grid", 5).combinations() == grid[:5]
    huge = {f"p{i}": list(range(10)) for i in range(30)}  # 10**30 combinations: more than a range can hold
    drawn = SweepConfig(huge, "random", 4, seed=1).combinations()
    assert len(drawn) == 4 and drawn == SweepConfig(huge, "random", 4, seed=1).combinations()


def test_a_10000_character_label_is_refused_with_its_line(tmp_path):
    path = jsonl(tmp_path, [{"text": "a", "label": "x"}, {"text": "b", "label": "y" * 10_000}])
    one_line(check_file(path), "data.jsonl:2:", "field 'label'", "10,000 characters", "at most 200", "fix:")
    with pytest.raises(ValueError, match="at most 200"):
        TaskConfig(target="label", labels=["a", "b" * 201])


@pytest.fixture
def streamed(monkeypatch):
    """Every data file counts as large; reading whole files fails the test."""
    monkeypatch.setattr(prepare_module, "STREAM_FROM_BYTES", 1)

    def whole(path):
        raise AssertionError(f"{path} was read whole")

    monkeypatch.setattr(prepare_module, "load_examples", whole)


def test_a_limited_run_samples_a_large_file_line_by_line(tmp_path, tiny_model_dir, streamed, monkeypatch):
    records = rows(3000) + [{"text": "the only one", "label": "rare"}]
    path = jsonl(tmp_path, records)
    rendered = []
    monkeypatch.setattr(Task, "render_input", lambda self, e, _f=Task.render_input: rendered.append(e) or _f(self, e))
    data = f"{{path: {path}, limit: {{train: 20, validation: 5, test: 5}}}}"
    task, splits = prepared(tmp_path, tiny_model_dir, data)
    assert splits.sizes() == {"train": 20, "validation": 5, "test": 5}
    assert task.labels == ["fresh", "rare", "rotten"]  # inferred from every line, not only the sample
    assert len(rendered) < 600  # only the sample is rendered (and held)
    again = prepared(tmp_path, tiny_model_dir, data)[1]
    other = prepared(tmp_path, tiny_model_dir, data, extra="seed: 1\n")[1]
    assert again == splits and other != splits
    jsonl(tmp_path, [*records, '{"text": "broken", "label": '])
    with pytest.raises(InputError, match=r"data.jsonl:3002: malformed JSON"):
        prepared(tmp_path, tiny_model_dir, data)  # every line is still parsed


def test_streaming_holds_the_sample_not_the_file(tmp_path, tiny_model_dir, streamed):
    path = jsonl(tmp_path, [{"text": f"review {i} " + "x" * 200, "label": "ab"[i % 2]} for i in range(20_000)])
    assert path.stat().st_size > 4_000_000
    config = load_experiment(
        experiment(tmp_path, f"{{path: {path}, limit: {{train: 8, validation: 4, test: 4}}}}", tiny_model_dir)
    )
    tracemalloc.start()
    try:
        splits = prepare_splits(config.data, Task.from_config(config.task), config.seed)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert splits.sizes() == {"train": 8, "validation": 4, "test": 4} and peak < 1_500_000


def test_without_a_limit_on_every_split_the_whole_file_is_read(tmp_path, tiny_model_dir, monkeypatch):
    monkeypatch.setattr(prepare_module, "STREAM_FROM_BYTES", 1)
    path = jsonl(tmp_path, rows(40))
    _, splits = prepared(tmp_path, tiny_model_dir, f"{{path: {path}, limit: {{test: 5}}}}")
    assert splits.sizes() == {"train": 24, "validation": 6, "test": 5}


def test_a_carved_validation_streams_too(tmp_path, tiny_model_dir, streamed):
    train, test = jsonl(tmp_path, rows(2000), "train.jsonl"), jsonl(tmp_path, rows(500), "test.jsonl")
    data = f"{{splits: {{train: {train}, test: {test}}}, limit: {{train: 10, validation: 4, test: 6}}}}"
    _, splits = prepared(tmp_path, tiny_model_dir, data)
    assert splits.sizes() == {"train": 10, "validation": 4, "test": 6} and len(splits.carved.origins) == 4


# 4. Tracebacks instead of one line


def test_deep_json_nesting_is_one_line(tmp_path):
    path = jsonl(tmp_path, [{"text": "a", "label": "x"}, '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}"])
    one_line(check_file(path), "data.jsonl:2:", "nested too deeply", "fix:")


def test_deep_yaml_nesting_is_refused_with_its_line(tmp_path, sentiment_jsonl, tiny_model_dir):
    path = experiment(tmp_path, f"{{path: {sentiment_jsonl}}}", tiny_model_dir)
    path.write_text(path.read_text() + "deep: " + "[" * 5000 + "]" * 5000 + "\n")
    assert problems(path) == ["line 6: nested more than 50 levels deep"]


def test_numbers_too_long_to_convert(tmp_path, sentiment_jsonl, tiny_model_dir):
    path = jsonl(tmp_path, [{"text": "a", "label": "x"}, '{"text": ' + "9" * 5000 + ', "label": "y"}'])
    one_line(check_file(path), "data.jsonl:2:", "field 'text'", "5,000 digits", "fix: quote it")
    exp = experiment(tmp_path, f"{{path: {sentiment_jsonl}}}", tiny_model_dir, extra=f"seed: {'9' * 5000}\n")
    assert problems(exp) == ["line 5: a number with 5,000 digits; at most 1000 are read"]


def test_lone_surrogates_are_refused_at_load(tmp_path, sentiment_jsonl, tiny_model_dir):
    path = jsonl(tmp_path, ['{"text": "fine", "label": "x"}', '{"text": "bad \\ud800 half", "label": "y"}'])
    one_line(check_file(path), "data.jsonl:2:", "field 'text'", "lone surrogate", "fix:")
    paired = jsonl(tmp_path, ['{"text": "ok \\ud83d\\ude00", "label": "x"}', '{"text": "b", "label": "y"}'], "p.jsonl")
    assert load_examples(paired)[0].fields["text"] == "ok \U0001f600"
    exp = experiment(
        tmp_path, f"{{path: {sentiment_jsonl}}}", tiny_model_dir, task='{target: label, instruction: "\\ud800"}'
    )
    assert "lone surrogate" in problems(exp)[0]


def test_a_folder_or_an_unreadable_file_as_data(tmp_path, sentiment_jsonl, tiny_model_dir, monkeypatch):
    folder = tmp_path / "folder.jsonl"
    folder.mkdir()
    experiment(tmp_path, f"{{path: {folder}}}", tiny_model_dir)
    one_line(["validate", tmp_path / "exp.yaml"], "folder.jsonl: is a folder, not a file", "fix:")
    original = Path.open

    def denied(self, *args, **kwargs):
        if self.name == sentiment_jsonl.name:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denied)
    experiment(tmp_path, f"{{path: {sentiment_jsonl}}}", tiny_model_dir)
    one_line(["validate", tmp_path / "exp.yaml"], "reviews.jsonl: cannot be read (Permission denied)", "fix:")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads every file")
def test_a_file_without_read_permission(tmp_path, sentiment_jsonl):
    sentiment_jsonl.chmod(0)
    try:
        one_line(check_file(sentiment_jsonl), "cannot be read (Permission denied)")
    finally:
        sentiment_jsonl.chmod(0o644)


def test_an_unreadable_or_huge_experiment_file(tmp_path, monkeypatch):
    path = tmp_path / "exp.yaml"
    path.write_text("name: x\n" + "# padding\n" * 200_000)
    assert "larger than 1,000 kB" in problems(path)[0]
    path.write_text("name: x\n")
    monkeypatch.setattr(
        Path, "read_text", lambda *a, **k: (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
    )
    assert problems(path) == ["cannot be read (Permission denied); check the path and permissions"]


@pytest.mark.parametrize("value", ["[1", "*a", '!!python/object/apply:os.system ["touch MARKER"]', "{a: 1, a: 2}"])
def test_bad_set_values_are_one_problem_and_never_run(tmp_path, sentiment_jsonl, tiny_model_dir, value, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = experiment(tmp_path, f"{{path: {sentiment_jsonl}}}", tiny_model_dir)
    lines = cli_error(["validate", path, "--set", f"seed={value}"])
    assert len(lines) == 2 and "seed: --set value" in lines[1] and "not valid YAML" in lines[1], lines
    assert not (tmp_path / "MARKER").exists()


@pytest.mark.parametrize(
    "template, fragment",
    [
        ("'{text'", "not a valid template"),
        ("'{text:>999999999}'", "is not a plain field"),
        ("'{text!r}'", "is not a plain field"),
        ("'{}'", "needs a field name"),
        ("'text}'", "not a valid template"),
    ],
)
def test_bad_input_templates_are_refused_before_any_example(
    tmp_path, sentiment_jsonl, tiny_model_dir, template, fragment
):
    path = experiment(
        tmp_path, f"{{path: {sentiment_jsonl}}}", tiny_model_dir, task=f"{{target: label, input: {template}}}"
    )
    found = problems(path)
    assert len(found) == 1 and found[0].startswith("line 3: task:") and fragment in found[0]


def test_dotted_field_names_are_fields_not_attributes(tmp_path):
    path = jsonl(
        tmp_path, [{"meta.title": "T", "text": "a", "label": "x"}, {"meta.title": "U", "text": "b", "label": "y"}]
    )
    items = Task.from_config(TaskConfig(target="label", input="{meta.title}: {text} {{raw}}")).prepare(
        load_examples(path)
    )
    assert [i.input for i in items] == ["T: a {raw}", "U: b {raw}"]
    one_line(check_file(path, "--input", "{text.__class__}"), "data.jsonl:1:", "field 'text.__class__': missing")


def test_data_check_options_that_do_not_make_a_task_are_one_line(sentiment_jsonl):
    one_line(check_file(sentiment_jsonl, "--input", "{text"), "not a valid template")
    one_line(check_file(sentiment_jsonl, "--labels", "fresh"), "at least two distinct labels")


@pytest.mark.parametrize("seed, ok", [(-1, False), (2**32, False), (2**32 - 1, True), (0, True)])
def test_seeds_must_fit_32_bits(tmp_path, sentiment_jsonl, tiny_model_dir, seed, ok):
    path = experiment(tmp_path, f"{{path: {sentiment_jsonl}}}", tiny_model_dir, extra=f"seed: {seed}\n")
    if ok:
        assert load_experiment(path).seed == seed
    else:
        assert problems(path) == [f"line 5: seed: must be between 0 and 4294967295 (2**32 - 1), got {seed}"]


@pytest.mark.parametrize(
    "name, ok",
    [
        ("x" * 10_000, False),
        ("../../etc/passwd", False),
        ("a/b", False),
        ("trailing.", False),
        ("my experiment-1.v2_b", True),
    ],
)
def test_experiment_names_are_safe_file_names(tmp_path, sentiment_jsonl, tiny_model_dir, name, ok):
    path = experiment(tmp_path, f"{{path: {sentiment_jsonl}}}", tiny_model_dir)
    path.write_text(path.read_text().replace("name: faults", f"name: '{name}'"))
    if ok:
        assert load_experiment(path).name == name
        return
    found = problems(path)
    assert len(found) == 1 and found[0].startswith("line 1: name: ") and "letters, digits" in found[0]
    assert len(found[0]) < 400


# 5. Silently wrong


@pytest.mark.parametrize(
    "spellings",
    [("Pos", "pos"), ("caf\u00e9", "cafe\u0301"), ("pos", "pos\u200b"), ("1", "1.0")],
    ids=["case", "nfc-nfd", "zero-width", "number"],
)
def test_near_identical_labels_are_a_warning(spellings):
    train = [Item(f"text {i}", spellings[i % 2], f"t.jsonl:{i + 1}") for i in range(6)]
    train += [Item("other", "neg", "t.jsonl:7"), Item("more", "neg", "t.jsonl:8")]
    report = check_quality(Splits(train, [], []), sorted({i.target for i in train}))
    (finding,) = [f for f in report.findings if f.check == "similar_labels"]
    assert finding.severity == "warning" and "data.normalize_labels: true" in finding.message
    assert finding.where == ["t.jsonl:1 = t.jsonl:2"]


def test_data_check_cli_warns_about_1_and_1_0(tmp_path):
    path = jsonl(tmp_path, [{"text": f"t{i}", "label": [1, 1.0, 2][i % 3]} for i in range(9)])
    result = CliRunner().invoke(cli, ["data", "check", str(path)], env={"COLUMNS": "250"})
    assert result.exit_code == 0 and "similar_labels" in result.output and "no problems found" not in result.output


def test_normalize_labels_merges_them(tmp_path, tiny_model_dir):
    spellings = ["Fresh", "fresh", "fresh\u200b", "rotten", "ROTTEN", "rotten"]
    path = jsonl(tmp_path, [{"text": f"review {i}", "label": spellings[i % 6]} for i in range(36)])
    task, splits = prepared(tmp_path, tiny_model_dir, f"{{path: {path}, normalize_labels: true}}")
    assert task.labels == ["fresh", "rotten"]
    task, _ = prepared(
        tmp_path,
        tiny_model_dir,
        f"{{path: {path}, normalize_labels: true}}",
        task="{target: label, labels: [Fresh, Rotten]}",
    )
    assert task.labels == ["Fresh", "Rotten"]  # a declared spelling wins
    assert normalize_label("2.50") == "2.5" and normalize_label("007") == "007"
    exp = experiment(
        tmp_path, f"{{path: {path}, normalize_labels: true}}", tiny_model_dir, task="{target: label, type: generation}"
    )
    assert "normalize_labels is for classification" in problems(exp)[0]


def test_duplicate_json_keys_are_an_error(tmp_path):
    path = jsonl(tmp_path, [{"text": "a", "label": "x"}, '{"text": "b", "label": "x", "label": "y"}'])
    one_line(check_file(path), "data.jsonl:2:", "field 'label'", "appears twice", "fix:")


def test_duplicate_yaml_keys_are_an_error(tmp_path, sentiment_jsonl, tiny_model_dir):
    extra = "seed: 1\nseed: 2\nbudget: {max_steps: 0}\n"
    path = experiment(tmp_path, f"{{path: {sentiment_jsonl}}}", tiny_model_dir, extra=extra)
    assert problems(path) == [  # reported with the file's other problems
        "line 6: key 'seed' appears twice in one mapping (first on line 5); the last would silently win: remove one",
        "line 7: budget: max_steps must be at least 1 (or null: no limit), got 0",
    ]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinite_json_numbers_are_refused(tmp_path, number):
    path = jsonl(tmp_path, [{"text": "a", "label": "x"}, f'{{"text": {number}, "label": "y"}}'])
    one_line(check_file(path), "data.jsonl:2:", "field 'text'", number, "fix:")


@pytest.mark.parametrize(
    "section, fragment",
    [
        ("budget: {max_steps: 0}", "max_steps must be at least 1"),
        ("budget: {max_steps: -3}", "max_steps must be at least 1"),
        ("budget: {max_train_minutes: -5}", "max_train_minutes must be more than 0"),
        ("decision: {min_quality: 7}", "min_quality must be in [0, 1]"),
        ("decision: {alpha: 2}", "alpha must be in (0, 0.5)"),
        ("decision: {max_latency_ms: -1}", "limits must be 0 or more"),
        ("decision: {min_quality: .nan}", "expected a finite number"),
        ("model: {batch_size: 0}", "batch_size must be at least 1"),
        ("task: {target: label, max_new_tokens: 0}", "max_new_tokens must be at least 1"),
        ("task: {target: label, labels: [yes, neg]}", "YAML reads yes/no"),
    ],
)
def test_out_of_range_settings_are_refused_with_the_allowed_range(
    tmp_path, sentiment_jsonl, tiny_model_dir, section, fragment
):
    path = experiment(tmp_path, f"{{path: {sentiment_jsonl}}}", tiny_model_dir)
    key = section.split(":")[0]
    text = "\n".join(line for line in path.read_text().splitlines() if not line.startswith(f"{key}:"))
    path.write_text(f"{text}\n{section}\n")
    found = problems(path)
    assert len(found) == 1 and fragment in found[0] and found[0].startswith("line "), found


@pytest.mark.parametrize(
    "output_format, ok",
    [("Answer {label}.", False), ("Say {}", False), ("Answer {choices}.", True), ('JSON: {"label": ...}', True)],
)
def test_output_format_placeholders(tmp_path, sentiment_jsonl, tiny_model_dir, output_format, ok):
    path = experiment(tmp_path, f"{{path: {sentiment_jsonl}}}", tiny_model_dir)
    path.write_text(
        path.read_text().replace("{method: zero_shot}", f"{{method: zero_shot, output_format: '{output_format}'}}")
    )
    if ok:
        assert load_experiment(path).entries[0].params.output_format == output_format
        return
    (found,) = problems(path)
    assert found.startswith("line 5: methods[0]:") and "not a placeholder" in found and "{choices}" in found
