import json

import pytest

from tunewise.core.errors import InputError
from tunewise.data import load_examples, split_examples
from tunewise.data.split import subsample
from tunewise.tasks import Task
from tunewise.tasks.config import TaskConfig


def task(**kw):
    return Task.from_config(TaskConfig(target="label", input="text", **kw))


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def error(tmp_path, name, content, labels=None) -> InputError:
    with pytest.raises(InputError) as info:
        task(labels=labels).prepare(load_examples(write(tmp_path, name, content)))
    return info.value


def test_jsonl_and_csv_give_the_same_items(tmp_path):
    jsonl = write(tmp_path, "a.jsonl", '{"text": "good", "label": "pos"}\n\n{"text": "bad", "label": "neg"}\n')
    csv = write(tmp_path, "a.csv", 'text,label\ngood,pos\n"bad",neg\n')
    t = task()
    from_jsonl, from_csv = t.prepare(load_examples(jsonl)), task().prepare(load_examples(csv))
    assert [(i.input, i.target) for i in from_jsonl] == [(i.input, i.target) for i in from_csv]
    assert from_jsonl[1].origin.endswith("a.jsonl:3") and t.labels == ["neg", "pos"]


def test_template_combines_fields(tmp_path):
    path = write(
        tmp_path, "a.jsonl", '{"title": "T", "body": "B", "label": "x"}\n{"title": "U", "body": "C", "label": "y"}\n'
    )
    items = Task.from_config(TaskConfig(target="label", input="{title}: {body}")).prepare(load_examples(path))
    assert items[0].input == "T: B"


def test_malformed_jsonl_names_file_line_and_fix(tmp_path):
    exc = error(tmp_path, "bad.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", "label": \n')
    assert exc.file.endswith("bad.jsonl") and exc.line == 2
    assert "malformed JSON" in str(exc) and "fix: write one JSON object per line" in str(exc)


def test_missing_field_lists_present_fields(tmp_path):
    exc = error(tmp_path, "m.jsonl", '{"text": "a", "label": "x"}\n{"txt": "b", "label": "y"}\n')
    assert (exc.line, exc.field) == (2, "text")
    assert "this example has: txt, label" in str(exc)


def test_empty_label(tmp_path):
    exc = error(tmp_path, "e.csv", "text,label\ngood,pos\nbad,  \n")
    assert (exc.line, exc.field) == (3, "label") and "is empty" in str(exc)


def test_unknown_label_names_allowed(tmp_path):
    exc = error(
        tmp_path, "u.jsonl", '{"text": "a", "label": "pos"}\n{"text": "b", "label": "meh"}\n', labels=["pos", "neg"]
    )
    assert exc.line == 2 and exc.value == "meh" and "use one of pos, neg" in str(exc)


def test_non_utf8_names_line(tmp_path):
    exc = error(tmp_path, "b.csv", b"text,label\ngood,pos\nbad \xff\xfe,neg\n")
    assert exc.line == 3 and "not UTF-8" in str(exc)


def test_empty_file_missing_file_and_duplicate_header(tmp_path):
    assert "holds no examples" in str(error(tmp_path, "empty.jsonl", ""))
    assert "header names a column twice" in str(error(tmp_path, "dup.csv", "text,text,label\na,b,c\n"))
    with pytest.raises(InputError, match="file not found"):
        load_examples(tmp_path / "missing.jsonl")


def test_ragged_csv_row(tmp_path):
    exc = error(tmp_path, "r.csv", "text,label\ngood,pos\nbad, really bad,neg\n")
    assert exc.line == 3 and "3 columns but the header has 2" in str(exc)


def test_nested_values_are_refused(tmp_path):
    exc = error(tmp_path, "n.jsonl", json.dumps({"text": {"a": 1}, "label": "x"}) + "\n")
    assert exc.field == "text" and "must be text" in str(exc)


def test_stratified_split_is_deterministic_and_keeps_proportions(sentiment_jsonl):
    items = task().prepare(load_examples(sentiment_jsonl))
    first = split_examples(items, 0.2, 0.25, seed=3, stratify=True)
    again = split_examples(items, 0.2, 0.25, seed=3, stratify=True)
    other = split_examples(items, 0.2, 0.25, seed=4, stratify=True)
    assert first == again and first != other
    assert first.sizes() == {"train": 22, "validation": 8, "test": 10}
    assert sum(i.target == "fresh" for i in first.test) == 5
    assert not {i.input for i in first.train} & {i.input for i in first.test}


def test_subsample_keeps_label_balance(sentiment_jsonl):
    items = task().prepare(load_examples(sentiment_jsonl))
    chosen = subsample(items, 7, seed=0, stratify=True)
    counts = sorted(sum(i.target == label for i in chosen) for label in ("fresh", "rotten"))
    assert len(chosen) == 7 and counts == [3, 4]
    assert subsample(items, None, 0, True) is items
