"""topics: what a chatbot message is about, 13 imbalanced classes from chatterbot-corpus (one file per topic).

Each record is the opening line of one of the corpus's English conversations and the topic of the file it comes
from (ai, coding, emotion, ...); the classes are as unequal as the corpus (coding has about ten times as many as
history), which is what makes raw zero-shot label scoring fall below always answering the majority topic. The
conversational files (greetings, gossip, humor, the bot's profile) and the near-empty ones (health, tech support)
are left out, and so is trivia, its own dataset.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tunewise.core.fetch import WheelFile, atomic_write_text, fetch_checked_member
from tunewise.core.home import cache_dir
from tunewise.data.catalog import DATASETS

REQUIREMENT = "chatterbot-corpus==1.3.3"
WHEEL_SHA256 = "86de5300afb9a80826386339d3bec79c0a72eb0358abb8327e2ecef5ae0ce154"
FOLDER = "chatterbot_corpus/data/english"
TOPICS = {  # topic -> sha256 of its file in the wheel
    "ai": "620a65787a56641db4a03e1419a7578e813967218cf6721e3ea4ef90844916aa",
    "coding": "1726a8900a82ee32dad559809564f9ae97df9c52f42a8f1fcde84b1d54b1d260",
    "computers": "a222c5a432efe4289e6c5edf1c3d99fd26c48df99db0ff893d1d5ab569f5b750",
    "emotion": "510a018938c1880dd0f67e1ae458e26878c91a570daef5a84fb83713c89f0989",
    "food": "68eab2497721d03044d520b70c27d8a0d8ba8e505b3265fb3a1ff3e1a64c7124",
    "history": "0ff4beeb6ef9b641dc12e1039a149c6a03eb8f2e183702fad2b0997fcc1d63e3",
    "literature": "9361ff1478273d811259ca307a1e6be23a5e08e776a5bc5d9524fb13deb886f1",
    "money": "2911d9766625ff5c2feb3d784f2951b2ebd5e9658547efce7568d0282c49274b",
    "movies": "075ca9d91a527206c635c88bf0353323826a25a6f2057be1bc71888af389f842",
    "politics": "c436d5efedea6f715a8a811423a8edf396097771eb11e43b1f0a43a6aee7c2f0",
    "psychology": "5047c211d35f715af4fbc3398f111135e99d34afcd0905a661c40bdeb1413a58",
    "science": "3c259799bba36c67a1601fc264ec01ab051e9e63950734ce1ef644e022081fe7",
    "sports": "8d1bcc632cad4058e3b8490daa15dcd7c2a51790a7b9140b252600b794590403",
}


def opening_lines(member: Path) -> list[str]:
    """The first line of each conversation in one corpus file, whitespace collapsed, each once."""
    conversations = yaml.safe_load(member.read_text(encoding="utf-8")).get("conversations") or []
    lines, seen = [], set()
    for conversation in conversations:
        if not isinstance(conversation, list) or not conversation or not isinstance(conversation[0], str):
            continue
        line = " ".join(conversation[0].split())
        if line and line.lower() not in seen:
            seen.add(line.lower())
            lines.append(line)
    return lines


def topic_records(lines_by_topic: dict[str, list[str]]) -> list[dict]:
    """text -> topic records; a line that opens conversations of two topics has no one answer and is left out."""
    topics_of: dict[str, set[str]] = {}
    for topic, lines in lines_by_topic.items():
        for line in lines:
            topics_of.setdefault(line.lower(), set()).add(topic)
    return [
        {"text": line, "topic": topic}
        for topic, lines in lines_by_topic.items()
        for line in lines
        if len(topics_of[line.lower()]) == 1
    ]


@dataclass(frozen=True)
class TopicFiles:
    """A catalog dataset made from several files of one pinned wheel (the corpus has one file per topic), each
    checksum-verified; converted once and cached as JSONL like every catalog dataset."""

    name: str
    description: str
    fields: str
    members: dict[str, str] = field(default_factory=dict)  # topic -> sha256 of FOLDER/<topic>.yml

    def fetch(self) -> Path:
        target = cache_dir("datasets") / f"{self.name}.jsonl"
        if target.exists():
            return target
        lines = {topic: opening_lines(self._member(topic, digest)) for topic, digest in self.members.items()}
        rows = (json.dumps(record, ensure_ascii=False) for record in topic_records(lines))
        atomic_write_text(target, "\n".join(rows) + "\n")
        return target

    def _member(self, topic: str, digest: str) -> Path:
        return fetch_checked_member(WheelFile(REQUIREMENT, WHEEL_SHA256, f"{FOLDER}/{topic}.yml"), digest)


DATASETS.register(
    "topics",
    TopicFiles(
        name="topics",
        description="what a chatbot message is about: 13 imbalanced topics (chatterbot-corpus conversation openers)",
        fields="text, topic",
        members=TOPICS,
    ),
)
