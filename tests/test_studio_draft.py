"""The studio's logic under the form: uploads (stored under random ids, owner-only, read in full before they are
kept), the first look at a file (suggested fields and task type), the draft as the experiment file the CLI
runs unchanged, and the check before a run, which gives exactly the CLI's problems."""

from __future__ import annotations

import io
import json
import re
import stat

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from tunewise.core.errors import ConfigError, InputError
from tunewise.core.typed import Problems
from tunewise.run.config import load_experiment, parse_experiment
from tunewise.run.data_check import check_data, log_quality
from tunewise.run.prepare import prepare
from tunewise.studio import uploads
from tunewise.studio.catalog import default_methods, method_catalog, model_choices
from tunewise.studio.draft import HEADER, Draft, check_draft, experiment_data, experiment_yaml
from tunewise.studio.inspection import infer_task_type
from tunewise.studio.uploads import inspect_upload, save_upload, upload_path

CSV = b"text,label\n" + b"".join(f"review number {i},{'pos' if i % 2 else 'neg'}\n".encode() for i in range(12))
GOOD = ["a great film", "wonderful cast", "superb acting", "a clever delight"]
BAD = ["a dull mess", "boring and predictable", "far too long", "tedious and dull"]


def jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def reviews(n: int = 40) -> list[dict]:
    rows = [{"text": f"{GOOD[i % 4]} number {i}", "label": "fresh"} for i in range(n // 2)]
    return rows + [{"text": f"{BAD[i % 4]} number {i}", "label": "rotten"} for i in range(n // 2)]


def stored(isolated_home) -> list[str]:
    folder = isolated_home / "studio" / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- uploads ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "filename"), [(CSV, "My Reviews.CSV"), (jsonl(reviews(4)), "r.jsonl")])
def test_an_upload_is_kept_owner_only_under_a_random_id(content, filename, isolated_home):
    upload_id = save_upload(content, filename)
    assert re.fullmatch(r"[0-9a-f]{32}\.(csv|jsonl)", upload_id) and upload_id.endswith(filename[-4:].lower())
    path = upload_path(upload_id)
    assert path.parent == isolated_home / "studio" / "uploads" and path.read_bytes() == content
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert save_upload(content, filename) != upload_id  # two uploads of one file are two ids
    assert len(stored(isolated_home)) == 2  # and no temporary file left beside them


def test_the_clients_file_name_is_never_a_path(isolated_home, tmp_path):
    upload_id = save_upload(CSV, "../../../outside.csv")
    assert not (tmp_path / "outside.csv").exists() and not list(tmp_path.rglob("outside.csv"))
    assert stored(isolated_home) == [upload_id]


def test_too_large_and_unknown_types_are_refused_before_anything_is_written(isolated_home, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", len(CSV) - 1)
    with pytest.raises(InputError, match=r"reviews\.csv: is .* MB; uploads are limited"):
        save_upload(CSV, "reviews.csv")
    monkeypatch.undo()
    for name in ("reviews.txt", "reviews", "reviews.csv.exe", "data.xlsx"):
        with pytest.raises(InputError, match="unsupported file type") as caught:
            save_upload(CSV, name)
        assert ".jsonl, .csv, .parquet" in str(caught.value)
    assert stored(isolated_home) == []


def test_an_unreadable_file_is_deleted_and_its_message_names_the_line_and_fix(isolated_home):
    ragged = b"text,label\nfine,pos\nno, closing, cells\n"
    with pytest.raises(InputError) as caught:
        save_upload(ragged, "reviews.csv")
    assert str(caught.value).startswith("reviews.csv:3: row has 3 columns but the header has 2")
    assert "fix: quote cells" in str(caught.value) and caught.value.line == 3
    with pytest.raises(InputError, match=r"notes\.jsonl:2: malformed JSON"):
        save_upload(b'{"text": "ok"}\n{"text": \n', "notes.jsonl")
    with pytest.raises(InputError, match="holds no examples"):
        save_upload(b"text,label\n", "empty.csv")
    assert stored(isolated_home) == []  # neither the file nor its temporary copy is left


@pytest.mark.parametrize(
    "bad", ["../x.csv", "x.csv", "0" * 32 + ".txt", "A" * 32 + ".csv", "0" * 32 + ".csv/../../x", "/etc/passwd"]
)
def test_upload_path_accepts_only_ids_it_made(bad):
    with pytest.raises(InputError, match="is not an upload id"):
        upload_path(bad)


def test_an_id_of_the_right_shape_that_was_never_saved_is_not_found():
    with pytest.raises(InputError, match="no upload has this id"):
        upload_path("0" * 32 + ".csv")


# --- inspection ------------------------------------------------------------------------------------------------


def test_inspection_suggests_the_long_text_as_input_and_the_named_label_as_target():
    rows = [{"id": i, "review": f"{GOOD[i % 4]} and more words number {i}", "label": "fresh"} for i in range(6)]
    rows += [{"id": 6 + i, "review": f"{BAD[i % 4]} with other words {i}", "label": "rotten"} for i in range(3)]
    rows += [{"id": 9, "review": "x" * 500, "label": "rotten", "note": "late"}]
    found = inspect_upload(save_upload(jsonl(rows * 2), "r.jsonl"))
    assert found.rows == 20 and found.fields == ["id", "review", "label", "note"]
    assert (found.suggested_input, found.suggested_target, found.task_type) == ("review", "label", "classification")
    assert found.labels == {"fresh": 12, "rotten": 8}
    assert len(found.preview) == 10 and found.preview[0] == {
        "id": "0",
        "review": rows[0]["review"],
        "label": "fresh",
        "note": "",
    }
    assert found.guess("review") == ("generation", {})  # another answer field, picked in the form


def test_without_a_usual_name_the_target_is_the_field_with_fewest_distinct_values():
    rows = [
        {"question": f"what is said in long question {i}?", "topic": ["a", "b", "c"][i % 3], "n": i} for i in range(9)
    ]
    found = inspect_upload(save_upload(jsonl(rows), "q.jsonl"))
    assert (found.suggested_input, found.suggested_target, found.task_type) == ("question", "topic", "classification")
    assert found.labels == {"a": 3, "b": 3, "c": 3}


def test_free_text_answers_are_generation():
    rows = [{"document": f"a long source document number {i} " * 5, "summary": f"summary {i}"} for i in range(8)]
    found = inspect_upload(save_upload(jsonl(rows), "s.jsonl"))
    assert (found.suggested_input, found.suggested_target, found.task_type) == ("document", "summary", "generation")
    assert found.labels == {}
    assert inspect_upload(save_upload(jsonl(rows), "s.jsonl"), target="document").suggested_target == "summary"


def test_long_values_are_cut_for_display_only():
    rows = [{"text": "y" * 1000, "label": "a"}, {"text": "short", "label": "b"}]
    found = inspect_upload(save_upload(jsonl(rows), "l.jsonl"))
    assert len(found.preview[0]["text"]) == 200 and found.preview[0]["text"].endswith("…")


def test_infer_task_type():
    assert infer_task_type(["pos", "neg", "pos", "neg", " pos "]) == "classification"
    assert infer_task_type([1, 2, 1, 2, None, ""]) == "classification"  # numbers as labels; empties ignored
    assert infer_task_type(["a", "b", "c", "a", "b"]) == "generation"  # 'c' never repeats
    assert infer_task_type([f"class {i % 21}" for i in range(84)]) == "generation"  # too many classes
    assert infer_task_type(["x" * 60, "y" * 60] * 5) == "generation"  # sentences, not class names
    assert infer_task_type(["same"] * 10) == "generation"  # one value is nothing to classify


# --- the draft as an experiment file ---------------------------------------------------------------------------


def parquet_upload() -> str:
    rows = reviews()
    columns = {"title": [r["text"].split()[0] for r in rows], "body": [r["text"] for r in rows]}
    buffer = io.BytesIO()
    pq.write_table(pa.table({**columns, "label": [r["label"] for r in rows]}), buffer)
    return save_upload(buffer.getvalue(), "reviews.parquet")


def test_the_draft_yaml_is_short_and_the_cli_reads_it_as_the_same_experiment(tmp_path):
    upload_id = parquet_upload()
    draft = Draft(
        name="my reviews",
        upload_id=upload_id,
        input="{title}: {body}",
        target="label",
        labels=["fresh", "rotten"],
        instruction="Is the review fresh or rotten?",
        methods=[
            {"method": "zero_shot"},
            {"method": "few_shot"},
            {"method": "lora", "r": 4, "alpha": 16, "instruction": ""},
        ],
        max_train_minutes=5,
        min_quality=0.6,
        test_fraction=0.3,
        acknowledge=["duplicates"],
    )
    data = experiment_data(draft, model_choices())
    text = experiment_yaml(data)
    assert text.startswith(HEADER) and "tunewise run FILE" in HEADER
    for left_out in ("validation_fraction", "seed", "alpha", "requests_per_month", "instruction: ''"):
        assert left_out not in text  # defaults, and a box left empty, are not written
    file = tmp_path / "experiment.yaml"
    file.write_text(text)

    loaded = load_experiment(file)
    direct = parse_experiment(data, Problems())
    assert loaded.task == direct.task and loaded.data == direct.data and loaded.model == direct.model
    assert [(e.method, e.id, e.params) for e in loaded.entries] == [(e.method, e.id, e.params) for e in direct.entries]
    assert loaded.data.path == str(upload_path(upload_id)) and loaded.data.test_fraction == 0.3
    assert loaded.data.acknowledge == ["duplicates"]
    assert loaded.task.input == "{title}: {body}" and loaded.task.labels == ["fresh", "rotten"]
    assert [e.method for e in loaded.entries] == ["zero_shot", "few_shot", "lora"]
    assert loaded.entries[2].params.r == 4 and loaded.entries[2].params.instruction is None
    assert loaded.budget.max_train_minutes == 5 and loaded.decision.min_quality == 0.6
    assert loaded.model.name == "smollm2-135m-instruct"
    assert yaml.safe_load(text)["methods"][2] == {"method": "lora", "r": 4}


def test_labels_are_dropped_when_the_form_switches_to_generation_and_unknown_choices_are_refused():
    draft = Draft(name="x", upload_id=save_upload(CSV, "r.csv"), input="text", target="label", labels=["a", "b"])
    draft.task_type = "generation"
    assert "labels" not in experiment_data(draft, model_choices())["task"]
    draft.model = "gpt-17"
    with pytest.raises(InputError, match="is not one of the models offered"):
        experiment_data(draft, model_choices())


# --- the check before a run ------------------------------------------------------------------------------------


def tiny_models(tiny_model_dir) -> dict[str, dict]:
    return {"tiny": {"path": str(tiny_model_dir), "max_length": 256}}


def draft_for(rows: list[dict], **settings) -> Draft:
    upload_id = save_upload(jsonl(rows), "reviews.jsonl")
    return Draft(name="check", upload_id=upload_id, input="text", target="label", model="tiny", **settings)


def cli_problems(data: dict, tmp_path) -> list[str]:
    file = tmp_path / "same.yaml"
    file.write_text(experiment_yaml(data))
    with pytest.raises(ConfigError) as caught:
        load_experiment(file)
    return [re.sub(r"^line \d+: ", "", p) for p in caught.value.problems]  # the file's line numbers aside


def test_a_typo_in_a_method_setting_is_the_clis_error_naming_the_allowed_keys(tiny_model_dir, tmp_path):
    draft = draft_for(reviews(), methods=[{"method": "few_shot", "kk": 2}])
    data = experiment_data(draft, tiny_models(tiny_model_dir))
    check = check_draft(data)
    assert not check.ok and check.errors == cli_problems(data, tmp_path)
    assert check.errors[0].startswith("methods[0].kk: unknown key; allowed keys: ")
    assert "k, selection" in check.errors[0]


def test_every_problem_is_reported_at_once(tiny_model_dir, tmp_path):
    draft = draft_for(reviews(), methods=[{"method": "few_shot", "kk": 2}, {"method": "lora", "r": "big"}])
    draft.name, draft.seed = "bad/name", -1
    data = experiment_data(draft, tiny_models(tiny_model_dir))
    check = check_draft(data)
    assert len(check.errors) >= 4 and check.errors == cli_problems(data, tmp_path)
    assert [e.split(":")[0] for e in check.errors[:2]] == ["name", "seed"]
    assert any(e.startswith("methods[1].r: expected int") for e in check.errors)


def test_a_method_that_does_not_fit_the_data_is_an_error_before_any_model_loads(tiny_model_dir):
    check = check_draft(
        experiment_data(draft_for(reviews(), methods=[{"method": "few_shot", "k": 500}]), tiny_models(tiny_model_dir))
    )
    assert len(check.errors) == 1 and check.errors[0].startswith("methods[few_shot]: few_shot k=500")


def test_a_bad_row_is_an_error_naming_its_line(tiny_model_dir):
    rows = reviews()
    rows[4] = {"text": "", "label": "fresh"}
    check = check_draft(experiment_data(draft_for(rows), tiny_models(tiny_model_dir)))
    assert len(check.errors) == 1 and re.search(r"\.jsonl:5: field 'text': is empty", check.errors[0])


def cli_passes(data: dict, tmp_path) -> bool:
    """What `tunewise run` does with the same file up to its first model: True when it goes on to run."""
    file = tmp_path / "cli.yaml"
    file.write_text(experiment_yaml(data))
    config = load_experiment(file)
    task, splits = prepare(config)
    try:
        log_quality(check_data(config, task, splits), lambda line: None)
    except Exception:
        return False
    return True


def test_duplicates_are_a_warning_shown_until_acknowledged_and_like_the_cli_they_do_not_stop_the_run(
    tiny_model_dir, tmp_path
):
    rows = reviews() + reviews()[:20]  # half the fresh reviews twice: some land twice in train
    draft = draft_for(rows, methods=[{"method": "zero_shot"}])
    data = experiment_data(draft, tiny_models(tiny_model_dir))
    check = check_draft(data)
    warned = {w["check"]: w for w in check.warnings}
    assert "duplicates" in warned and not warned["duplicates"]["acknowledged"]
    assert "repeat an earlier input" in warned["duplicates"]["message"]
    assert check.ok == cli_passes(data, tmp_path) is True  # the CLI logs warnings and runs; so does the studio
    assert sum(check.sizes.values()) == len(rows) and set(check.labels["train"]) == {"fresh", "rotten"}

    draft.acknowledge = sorted(warned)
    again = check_draft(experiment_data(draft, tiny_models(tiny_model_dir)))
    assert again.unacknowledged == [] and {w["check"] for w in again.warnings} == set(warned)


def test_a_data_check_error_stops_the_draft_as_it_stops_the_cli(tiny_model_dir, tmp_path):
    rows = reviews() * 3  # every input three times: most test inputs are in train too (leakage)
    draft = draft_for(rows, methods=[{"method": "zero_shot"}], acknowledge=["leakage", "duplicates"])
    data = experiment_data(draft, tiny_models(tiny_model_dir))
    check = check_draft(data)
    assert any(e.startswith("[leakage] test: ") for e in check.errors)  # an error cannot be acknowledged away
    assert check.ok == cli_passes(data, tmp_path) is False


# --- the method catalog ----------------------------------------------------------------------------------------


def test_the_catalog_lists_every_method_with_its_settings_and_defaults():
    catalog = {m.name: m for m in method_catalog()}
    assert list(catalog) == sorted(catalog) and {"zero_shot", "few_shot", "lora"} <= set(catalog)
    assert all(m.about for m in catalog.values())
    few = {s.name: s for s in catalog["few_shot"].settings}
    assert few["k"].default == 4 and few["k"].kind == "int" and "examples" in few["k"].help
    assert few["selection"].kind == "choice" and "similar" in few["selection"].choices
    lora = catalog["lora"]
    assert lora.trains_weights and not catalog["zero_shot"].trains_weights
    assert {s.name: s.default for s in lora.settings}["target_modules"] == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert sorted(m["method"] for m in default_methods()) == ["few_shot", "lora", "zero_shot"]


def test_model_choices_offer_the_packaged_model_and_local_folders(tmp_path):
    (tmp_path / "a" / "m").mkdir(parents=True)
    (tmp_path / "b" / "m").mkdir(parents=True)
    choices = model_choices([tmp_path / "a" / "m", tmp_path / "b" / "m"])
    assert choices["smollm2-135m-instruct"] == {"name": "smollm2-135m-instruct"}
    assert choices["m"] == {"path": str(tmp_path / "a" / "m")} and choices["m-2"] == {"path": str(tmp_path / "b" / "m")}
