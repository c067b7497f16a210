"""The data quality report run before every experiment (and by `tunewise data check`): duplicates, near
duplicates, conflicting answers, train/test leakage, label imbalance, labels that differ only in case, Unicode
form, invisible characters or number format, inputs longer than the model's context once the prompt is applied,
and text-encoding damage. Each finding is a warning unless it makes the results meaningless (an error);
warnings can be acknowledged by name in the experiment file (``data.acknowledge``, whose names are the
``QualityCheck`` literal in config.py)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from tunewise.core.items import Item, Splits

IMBALANCE_RATIO = 4.0  # majority / minority label count that earns a warning
MOJIBAKE = re.compile(r"Ã[\x80-\xbf¡-ÿ]|â€|Â[\xa0-\xbf]")  # UTF-8 read as Latin-1 / cp1252
DECIMAL = re.compile(r"[-+]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][-+]?\d+)")  # "1.0", "1e3": not "1" or "007"


@dataclass
class Finding:
    check: str
    severity: str  # error | warning
    message: str
    count: int
    where: list[str] = field(default_factory=list)  # a few "file:line" origins
    acknowledged: bool = False


@dataclass
class QualityReport:
    sizes: dict[str, int]
    labels: dict[str, dict[str, int]]  # split -> label -> count (classification)
    findings: list[Finding]
    privacy: dict = field(default_factory=dict)  # personal data found: counts per split and type, masked examples

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def as_dict(self) -> dict:
        return asdict(self)


def normalise(text: str) -> str:
    """What near-duplicates share: case, accents, punctuation and spacing removed."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in text if ch.isalnum() or ch.isspace()).split())


def normalize_label(text: str) -> str:
    """What ``data.normalize_labels: true`` makes of a label: invisible format characters (zero-width spaces and
    joiners, byte-order marks, soft hyphens) removed, Unicode NFC, a number with a decimal point or exponent
    written plainly ("1.0" -> "1", "2.50" -> "2.5"; "007" is left alone: it may be a code) and case-folded
    (lowercase, and "ß" as "ss", so that every pair ``similar_labels`` reports is merged)."""
    text = unicodedata.normalize("NFC", "".join(ch for ch in text if unicodedata.category(ch) != "Cf")).strip()
    if DECIMAL.fullmatch(text):
        text = _plain_number(text)
    return text.casefold()


def _plain_number(text: str) -> str:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if abs(number.adjusted()) > 30:  # "1e999999999" would expand to a billion digits
        return text
    return str(int(number)) if number == number.to_integral_value() else format(number.normalize(), "f")


def label_key(text: str) -> str:
    """Labels with the same key are near-identical: the same once normalised and case-folded."""
    return normalize_label(text)


def check_quality(
    splits: Splits,
    labels: list[str] | None,
    tokens_needed: Callable[[str, str], int] | None = None,
    max_length: int | None = None,
    acknowledge: tuple[str, ...] = (),
    privacy: dict | None = None,
    redacted: bool = False,
) -> QualityReport:
    """``privacy``: the personal-data report of the raw data; ``redacted``: whether it was replaced since."""
    parts = {"train": splits.train, "validation": splits.validation, "test": splits.test}
    findings = []
    for name, items in parts.items():
        findings += _duplicates(name, items)
    findings += _leakage(parts)
    counts = {name: dict(Counter(i.target for i in items)) for name, items in parts.items()} if labels else {}
    findings += _imbalance(counts, labels or [])
    findings += _similar_labels(parts, labels)
    findings += _too_long(parts, tokens_needed, max_length)
    findings += _encoding(parts)
    findings += _personal_data(privacy or {}, redacted)
    for finding in findings:
        finding.acknowledged = finding.check in acknowledge and finding.severity == "warning"
    return QualityReport({n: len(i) for n, i in parts.items()}, counts, findings, privacy or {})


def _duplicates(split: str, items) -> list[Finding]:
    exact, near = defaultdict(list), defaultdict(list)
    for item in items:
        exact[item.input].append(item)
        near[normalise(item.input)].append(item)
    out = []
    repeated = [group for group in exact.values() if len(group) > 1]
    conflicting = [g for g in repeated if len({i.target for i in g}) > 1]
    if repeated:
        extra = sum(len(g) - 1 for g in repeated)
        out.append(
            _finding("duplicates", "warning", f"{split}: {extra} examples repeat an earlier input", extra, repeated)
        )
    if conflicting:
        out.append(
            _finding(
                "conflicting_answers",
                "warning",
                f"{split}: {len(conflicting)} inputs appear with different answers (no method can get both right)",
                len(conflicting),
                conflicting,
            )
        )
    fuzzy = [g for g in near.values() if len(g) > 1 and len({i.input for i in g}) > 1]
    if fuzzy:
        extra = sum(len(g) - 1 for g in fuzzy)
        message = f"{split}: {extra} examples differ from another only in case, accents, punctuation or spacing"
        out.append(_finding("near_duplicates", "warning", message, extra, fuzzy))
    return out


def _leakage(parts: dict) -> list[Finding]:
    seen = {normalise(i.input): i for i in parts["train"]}
    out = []
    for split in ("validation", "test"):
        leaked = [[seen[key], item] for item in parts[split] if (key := normalise(item.input)) in seen]
        if leaked:
            message = (
                f"{split}: {len(leaked)} of {len(parts[split])} inputs also appear (or nearly) in train; "
                f"{split} scores will be optimistic"
            )
            # Past half of the split, the scores say how well methods memorise, not how they generalise.
            severity = "error" if len(leaked) > len(parts[split]) / 2 else "warning"
            out.append(_finding("leakage", severity, message, len(leaked), leaked))
    return out


def _imbalance(counts: dict, labels: list[str]) -> list[Finding]:
    out = []
    train = counts.get("train", {})
    present = [train.get(label, 0) for label in labels]
    if present and min(present) and max(present) / min(present) >= IMBALANCE_RATIO:
        top = max(labels, key=lambda label: train.get(label, 0))
        message = (
            f"train: labels are imbalanced ({', '.join(f'{k} {v}' for k, v in sorted(train.items()))}); "
            f"always answering {top!r} scores {max(present) / sum(present):.0%}"
        )
        out.append(Finding("imbalance", "warning", message, len(labels)))
    for split, observed in counts.items():
        if not observed:  # an empty split (a single file checked on its own)
            continue
        missing = [label for label in labels if not observed.get(label)]
        if missing:
            message = f"{split}: no example of {', '.join(map(repr, missing))}"
            out.append(Finding("imbalance", "warning", message, len(missing)))
    return out


def _similar_labels(parts: dict, labels: list[str] | None) -> list[Finding]:
    if labels is None:
        return []
    first: dict[str, Item] = {}  # each spelling's first example
    for items in parts.values():
        for item in items:
            first.setdefault(item.target, item)
    groups = defaultdict(list)  # spellings in the order the data shows them, then declared-only ones
    for spelling in [*first, *sorted(set(labels) - set(first))]:
        groups[label_key(spelling)].append(spelling)
    similar = [group for group in groups.values() if len(group) > 1]
    if not similar:
        return []
    shown = "; ".join(" / ".join(map(repr, group)) for group in similar[:3])
    message = (
        f"{len(similar)} group(s) of labels differ only in case, Unicode form, invisible characters or number "
        f"format ({shown}) and are separate classes; set data.normalize_labels: true to merge them"
    )
    examples = [[first[s] for s in group if s in first] for group in similar]
    return [_finding("similar_labels", "warning", message, len(similar), [g for g in examples if g])]


def _too_long(parts: dict, tokens_needed, max_length) -> list[Finding]:
    if tokens_needed is None or max_length is None:
        return []
    out = []
    for split, items in parts.items():
        long = [[item] for item in items if tokens_needed(item.input, item.target) > max_length]
        if long:
            message = (
                f"{split}: {len(long)} examples need more than model.max_length={max_length} tokens with the "
                "prompt applied; their prompts lose demonstrations first, then the middle of the input"
            )
            out.append(_finding("too_long", "warning", message, len(long), long))
    return out


def _encoding(parts: dict) -> list[Finding]:
    out = []
    for split, items in parts.items():
        damaged = [[i] for i in items if "\ufffd" in i.input or MOJIBAKE.search(i.input) or _control(i.input)]
        if damaged:
            message = (
                f"{split}: {len(damaged)} inputs hold replacement characters, mojibake (UTF-8 read as Latin-1, "
                "e.g. 'Ã©') or control characters"
            )
            out.append(_finding("encoding", "warning", message, len(damaged), damaged))
    return out


def _personal_data(privacy: dict, redacted: bool) -> list[Finding]:
    totals = Counter()
    for counts in privacy.get("counts", {}).values():
        totals.update(counts)
    if not totals:
        return []
    found = ", ".join(f"{kind} {n}" for kind, n in totals.most_common())
    if redacted:
        return [Finding("personal_data", "info", f"personal data replaced by placeholders ({found})", totals.total())]
    message = f"personal data in the examples ({found}); set data.redact: true to replace it before any method sees it"
    examples = [e for values in privacy.get("examples", {}).values() for e in values][:3]
    return [Finding("personal_data", "warning", message, totals.total(), examples)]


def _control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\t\r" for ch in text)


def _finding(check: str, severity: str, message: str, count: int, groups: list[list]) -> Finding:
    where = [" = ".join(_short(item.origin) for item in group[:3]) for group in groups[:3]]
    return Finding(check, severity, message, count, where)


def _short(origin: str) -> str:
    """``/long/path/reviews.jsonl:12`` -> ``reviews.jsonl:12``."""
    return origin.rsplit("/", 1)[-1]
