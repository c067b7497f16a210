"""A folder of pieces as examples: one example per .txt or .md file, with the fields {text, file} (the file's
name), in name order. How a person hands over their own writing for a style task: a folder of their pieces."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tunewise.core.errors import InputError

PIECE_SUFFIXES = (".txt", ".md")


def piece_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PIECE_SUFFIXES)


def read_folder(folder: Path, read_bytes) -> Iterator[tuple[dict, str]]:
    """(fields, source) of each piece; ``read_bytes(path)`` gives a file's bytes (the caller's error wording)."""
    for path in piece_files(folder):
        try:
            text = read_bytes(path).decode("utf-8-sig")  # a byte-order mark is no part of the piece
        except UnicodeDecodeError as exc:
            raise InputError(
                f"bytes that are not UTF-8 at byte {exc.start}", file=str(path), fix="re-save the file as UTF-8"
            ) from None
        if text.strip():
            yield {"text": text.replace("\r\n", "\n").strip(), "file": path.name}, str(path)
