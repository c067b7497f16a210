"""The ratings dpo learns from, read and checked before any model loads: preference pairs {prompt, chosen,
rejected} (DPO) or single judgments {prompt, completion, label} (KTO), the JSONL that `tunewise ratings NAME
--export pairs|judgments` and the studio write. A bad line is named by file, line and field, with the fix.

The prompt is the task input the rater saw (the test input), not a whole prompt: dpo renders it through the
prompt program of the model it tunes, as a served request would be. The answers are the answers rated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tunewise.core.errors import InputError
from tunewise.data.examples import Example, load_examples

PAIR_FIELDS = ("prompt", "chosen", "rejected")
JUDGMENT_FIELDS = ("prompt", "completion", "label")
MIN_ROWS = 4  # fewer ratings cannot move a model in a way worth measuring
EXPORT_FIX = "export the ratings with `tunewise ratings NAME --export pairs` (or `--export judgments`)"


@dataclass(frozen=True)
class Preferences:
    loss: str  # dpo (pairs) | kto (judgments)
    rows: list[dict]
    file: str

    @property
    def noun(self) -> str:
        return "pairs" if self.loss == "dpo" else "judgments"


def read_preferences(path: str, loss: str = "auto") -> Preferences:
    """Every line of ``path`` checked; ``loss`` auto takes dpo for pairs and kto for judgments."""
    if Path(path).suffix.lower() not in (".jsonl", ".ndjson"):
        raise InputError("ratings must be a JSONL file (.jsonl)", file=path, fix=EXPORT_FIX)
    examples = load_examples(path)
    loss = _loss_for(examples[0], loss)
    rows = [_row(example, loss) for example in examples]
    if len(rows) < MIN_ROWS:
        noun = "pairs" if loss == "dpo" else "judgments"
        raise InputError(
            f"holds {len(rows)} {noun}; preference tuning needs at least {MIN_ROWS}",
            file=path,
            fix="rate more answers in the studio, then export again",
        )
    return Preferences(loss, rows, path)


def _loss_for(first: Example, loss: str) -> str:
    if loss != "auto":
        return loss
    if "chosen" in first.fields or "rejected" in first.fields:
        return "dpo"
    if "completion" in first.fields or "label" in first.fields:
        return "kto"
    raise InputError(
        "has neither chosen/rejected (preference pairs) nor completion/label (single judgments)",
        file=first.source,
        line=first.line,
        fix=EXPORT_FIX,
    )


def _row(example: Example, loss: str) -> dict:
    names = PAIR_FIELDS if loss == "dpo" else JUDGMENT_FIELDS
    other = "kto (or auto) for judgments" if loss == "dpo" else "dpo (or auto) for pairs"
    where = {"file": example.source, "line": example.line}
    row = {}
    for name in names:
        if name not in example.fields:
            problem = f"missing (a {loss} rating has {', '.join(names)})"
            raise InputError(problem, **where, field=name, fix=f"add it to every line, or set loss: {other}")
        row[name] = _checked(example.fields[name], name, where)
    if loss == "dpo" and row["chosen"] == row["rejected"]:
        problem = "is the same text as chosen; the pair teaches nothing"
        raise InputError(problem, **where, field="rejected", fix="remove the line")
    return row


def _checked(value, name: str, where: dict):
    if name == "label":
        if not isinstance(value, bool):
            fix = "write true for a good answer and false for a bad one, without quotes"
            raise InputError("must be true or false", **where, field=name, value=value, fix=fix)
        return value
    if not isinstance(value, str) or not value.strip():
        fix = "write the text in quotes, or remove the line"
        raise InputError("must be non-empty text", **where, field=name, value=value, fix=fix)
    return value
