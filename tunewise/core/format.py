"""Numbers as people read them: 921.6k parameters, 3.6 MB, $0.0042, p<0.001."""

from __future__ import annotations

import math


def human_count(n: float) -> str:
    """Parameters, requests: 921.6k, 1.2M, 130."""
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return f"{n:.0f}"


def human_bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def usd(amount: float) -> str:
    """Small amounts keep two significant digits, so $0.000083 does not read as $0.00 (nor as 8.3e-05)."""
    if abs(amount) >= 1:
        return f"${amount:,.2f}"
    if abs(amount) < 1e-6:
        return "$0" if amount == 0 else "<$0.000001"
    decimals = max(2, 1 - math.floor(math.log10(abs(amount))))
    return f"${amount:.{decimals}f}"


def p_value(p: float) -> str:
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def describe_cut(cut: dict, max_length: int | None = None) -> str:
    """What prompts too long for the context lost, in one sentence."""
    parts = []
    if cut.get("demos_dropped"):
        parts.append(f"{cut['demos_dropped']:,} demonstrations dropped")
    if cut.get("input_chars_cut"):
        parts.append(f"{cut['input_chars_cut']:,} characters cut from the middle of inputs")
    if cut.get("overflow"):
        parts.append(
            f"{cut['overflow']} still too long with no input at all: raise model.max_length or lower max_new_tokens"
        )
    limit = f"model.max_length={max_length}" if max_length else "model.max_length"
    return (
        f"{cut['prompts']} of {cut['of']} test prompts were longer than {limit} "
        f"({', '.join(parts)}; the instruction and the answer cue were kept)"
    )
