"""Benchmark figures, printed as terminal tables and written as RESULTS.md and results.json from the same rows."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table


@dataclass
class Figure:
    """One measured number. ``value`` is None (with ``text`` saying why) when it was not measured here."""

    key: str
    label: str
    value: float | None
    unit: str = ""
    target: str | None = None  # e.g. ">= 10x"; None: no target set
    met: bool | None = None
    text: str | None = None  # shown instead of the value: "not available", "no GPU on this machine"

    def shown(self) -> str:
        if self.value is None:
            return self.text or "—"
        return fmt(self.value, self.unit)


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how it was measured, printed under the table
    gaps: list[str] = field(default_factory=list)  # why a missed target is missed (with profile figures)
    details: dict = field(default_factory=dict)  # raw numbers behind the figures (results.json only)

    def add(self, key, label, value, unit="", target=None, met=None, text=None) -> Figure:
        figure = Figure(key, label, value, unit, target, met, text)
        self.figures.append(figure)
        return figure

    def at_least(self, key, label, value, unit, minimum: float) -> Figure:
        target = f">= {fmt(minimum, unit)}"
        return self.add(key, label, value, unit, target, None if value is None else value >= minimum)

    def at_most(self, key, label, value, unit, maximum: float) -> Figure:
        target = f"<= {fmt(maximum, unit)}"
        return self.add(key, label, value, unit, target, None if value is None else value <= maximum)


def fmt(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return str(value)
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "fraction":
        return f"{value:.1%}"
    if unit == "FLOP/s":
        return f"{value / 1e9:.1f} GFLOP/s"
    if unit == "s":
        return f"{value:.0f} s" if value >= 100 else f"{value:.1f} s"
    if unit in ("ex/s", "tok/s"):
        return f"{value:.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"
    return f"{value:g} {unit}".strip()


def met_word(met: bool | None) -> str:
    return "—" if met is None else ("yes" if met else "no")


def print_section(section: Section, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=section.title, title_justify="left")
    for column in ("figure", "measured", "target", "met"):
        table.add_column(column, justify="right" if column != "figure" else "left")
    for f in section.figures:
        table.add_row(f.label, f.shown(), f.target or "—", met_word(f.met))
    console.print(table)
    for line in section.notes + section.gaps:
        console.print(f"  {line}", highlight=False, markup=False)


def markdown(sections: list[Section], machine: dict, meta: dict) -> str:
    gpu = machine.get("gpu") or "none"
    make = " (`make bench`)" if meta["command"] == "python bench/run.py" else ""
    lines = [
        "# tunewise speed benchmarks",
        "",
        f"Written by `{meta['command']}`{make} on {meta['date']} ({meta['mode']} mode, "
        f"{meta['seconds'] / 60:.1f} min in all).",
        "",
        "Every ratio below comes from **one run, side by side**: both sides measured in the same process (the demo "
        "and the executors in subprocesses started by it), on the same machine, minutes apart, so the load other "
        "processes put on the machine touches both. Absolute figures vary from run to run on shared cores; compare "
        "ratios from one file only.",
        "",
        "| machine | |",
        "|---|---|",
        f"| CPU | {machine['cpu']} |",
        f"| cores | {machine['cores']} |",
        f"| torch threads | {machine['torch_threads']} |",
        f"| torch / transformers / peft | {machine['torch']} / {machine['transformers']} / {machine['peft']} |",
        f"| GPU | {gpu} |",
        f"| load average at start / end | {machine['load_at_start']} / {machine.get('load_at_end', '?')} |",
        f"| model, data | {meta['model']}, {meta['dataset']} |",
        "",
    ]
    for section in sections:
        lines += [f"## {section.title}", "", "| figure | measured | target | met |", "|---|---:|---:|:---:|"]
        lines += [f"| {f.label} | {f.shown()} | {f.target or '—'} | {met_word(f.met)} |" for f in section.figures]
        lines.append("")
        lines += [f"- {note}" for note in section.notes]
        if section.notes:
            lines.append("")
        if section.gaps:
            lines += ["**Why a target is missed**", ""]
            lines += [gap if gap.startswith(("|", "    ")) else f"- {gap}" for gap in section.gaps]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def as_json(sections: list[Section], machine: dict, meta: dict) -> dict:
    return {
        **meta,
        "machine": machine,
        "note": "every ratio comes from one run, side by side",
        "sections": {
            s.key: {
                "title": s.title,
                "figures": {f.key: {k: v for k, v in asdict(f).items() if k != "key"} for f in s.figures},
                "notes": s.notes,
                "gaps": s.gaps,
                "details": s.details,
            }
            for s in sections
        },
    }


def write(out: Path, sections: list[Section], machine: dict, meta: dict) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "RESULTS.md", out / "results.json"
    md.write_text(markdown(sections, machine, meta), encoding="utf-8")
    js.write_text(json.dumps(as_json(sections, machine, meta), indent=2, default=str) + "\n", encoding="utf-8")
    return md, js
