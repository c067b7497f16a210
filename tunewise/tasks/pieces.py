"""An author's piece as a style task's example: the prompt to write it from, and the text to write."""

from __future__ import annotations

from tunewise.tasks.stylometry import SENTENCE_END

FIRST_SENTENCE_NOTE = (
    "style: no topic field, so the first sentence of each piece stands in as its input (the rest is the target; "
    "a piece of one sentence over several lines is split after its first line)"
)


def topic_note(fields: list[str]) -> str:
    return f"style: each piece is written from its {', '.join(fields)} field; the whole piece is the target"


def split_first_sentence(text: str) -> tuple[str, str]:
    """(the first sentence, the rest), both stripped. A text of one sentence is split after its first line (verse
    often runs one sentence over many lines); the rest is empty for a one-line, one-sentence text."""
    text = text.strip()
    match = SENTENCE_END.search(text)
    if match is not None:
        return text[: match.start()].strip() + match.group(0).strip(), text[match.end() :].strip()
    first, _, rest = text.partition("\n")
    return first.strip(), rest.strip()


def cut_piece(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars``: after its last whole sentence that fits, else at a space."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    head = text[: max_chars + 1]
    ends = [m.end() for m in SENTENCE_END.finditer(head)]  # after the closing quote or bracket, if any
    if ends:
        return head[: ends[-1]].rstrip()
    space = head.rfind(" ", 0, max_chars + 1)
    return (head[:space] if space > 0 else text[:max_chars]).rstrip()
