"""Parquet data files: rows read like JSONL records (row numbers as lines), odd types made plain, and broken
files refused with the file named and a fix."""

from __future__ import annotations

import datetime
import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tunewise.core.errors import InputError
from tunewise.data.examples import iter_examples, load_examples
from tunewise.data.split import split_examples
from tunewise.tasks import Task
from tunewise.tasks.config import TaskConfig


def write(path, columns: dict) -> str:
    pq.write_table(pa.table(columns), path)
    return str(path)


def test_rows_are_examples_numbered_from_one(tmp_path):
    path = write(tmp_path / "reviews.parquet", {"text": ["good", "bad", "fine"], "stars": [5, 1, 3]})
    examples = load_examples(path)
    assert [e.fields for e in examples] == [
        {"text": "good", "stars": 5},
        {"text": "bad", "stars": 1},
        {"text": "fine", "stars": 3},
    ]
    assert [e.line for e in examples] == [1, 2, 3]
    assert {e.source for e in examples} == {path}


def test_reading_crosses_batches_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr("tunewise.data.parquet.BATCH_ROWS", 4)
    path = write(tmp_path / "many.parquet", {"n": list(range(10))})
    examples = list(iter_examples(path))
    assert [e.fields["n"] for e in examples] == list(range(10))
    assert examples[-1].line == 10


def test_types_become_what_jsonl_would_hold(tmp_path):
    path = write(
        tmp_path / "typed.parquet",
        {
            "score": [1.5, math.nan],
            "day": [datetime.date(2024, 5, 1), None],
            "raw": [b"caf\xc3\xa9", b"ok"],
            "meta": [{"a": 1}, {"a": 2}],
            "tags": [["x", "y"], []],
        },
    )
    first, second = (e.fields for e in load_examples(path))
    assert first == {"score": 1.5, "day": "2024-05-01", "raw": "café", "meta": {"a": 1}, "tags": ["x", "y"]}
    assert second["score"] is None and second["day"] is None  # pandas' NaN is a missing value, as null in JSONL


def test_a_task_reads_parquet_and_refuses_a_nested_field_like_jsonl(tmp_path):
    path = write(tmp_path / "t.parquet", {"text": [f"review {i}" for i in range(8)], "label": ["a", "b"] * 4})
    task = Task.from_config(TaskConfig(target="label", input="text"))
    items = task.prepare(load_examples(path))
    assert items[2].origin == f"{path}:3" and task.labels == ["a", "b"]
    assert len(split_examples(items, 0.25, 0.25, seed=0, stratify=True).test) == 2

    nested = write(tmp_path / "n.parquet", {"text": [{"title": "x"}], "label": ["a"]})
    with pytest.raises(InputError, match="must be text or a number") as caught:
        task.prepare(load_examples(nested))
    assert caught.value.line == 1 and caught.value.field == "text"


def test_binary_that_is_not_text_names_its_row_and_field(tmp_path):
    path = write(tmp_path / "b.parquet", {"text": ["fine", "also"], "image": [b"ok", b"\xff\xd8\xff"]})
    with pytest.raises(InputError, match="binary data") as caught:
        load_examples(path)
    assert caught.value.line == 2 and caught.value.field == "image"


def test_a_corrupt_file_is_refused_with_its_name_and_a_fix(tmp_path):
    good = tmp_path / "good.parquet"
    write(good, {"text": ["a"] * 50})
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"this is not parquet at all")
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[:-30])  # the footer is gone
    for path in (broken, cut):
        with pytest.raises(InputError, match="not a readable Parquet file") as caught:
            load_examples(path)
        assert caught.value.file == str(path)
        assert "save it again as Parquet" in str(caught.value)


def test_a_column_named_twice_is_refused(tmp_path):
    path = tmp_path / "twice.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array(["a"]), pa.array(["b"])], names=["text", "text"]), path)
    with pytest.raises(InputError, match="names a column twice") as caught:
        load_examples(path)
    assert caught.value.field == "text"


def test_an_empty_parquet_file_holds_no_examples(tmp_path):
    path = write(tmp_path / "empty.parquet", {"text": pa.array([], pa.string())})
    with pytest.raises(InputError, match="holds no examples"):
        load_examples(path)
