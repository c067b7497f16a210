"""The topics catalog dataset: chatterbot-corpus conversation openers labelled by the file (topic) they open."""

from __future__ import annotations

import json
from collections import Counter

from tunewise.data.catalog import DATASETS
from tunewise.data.datasets.topics import TOPICS, opening_lines, topic_records


def test_openers_are_kept_once_and_a_line_two_topics_share_is_left_out(tmp_path):
    member = tmp_path / "x.yml"
    member.write_text(
        "conversations:\n- - What  is AI?\n  - A field.\n- - what is ai?\n  - again\n- - Hello\n  - hi\n- just text\n"
    )
    assert opening_lines(member) == ["What is AI?", "Hello"]
    records = topic_records({"ai": ["What is AI?", "Hello"], "greetings": ["hello", "Hi there"]})
    assert records == [{"text": "What is AI?", "topic": "ai"}, {"text": "Hi there", "topic": "greetings"}]


def test_the_dataset_is_imbalanced_over_its_thirteen_topics():
    rows = [json.loads(line) for line in DATASETS.get("topics").fetch().read_text(encoding="utf-8").splitlines()]
    counts = Counter(row["topic"] for row in rows)
    assert set(counts) == set(TOPICS) and len(counts) == 13
    assert counts.most_common(1)[0][0] == "coding" and counts["coding"] > 8 * counts["history"]
    assert len({row["text"].lower() for row in rows}) == len(rows)  # no input with two answers
