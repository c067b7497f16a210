"""The side-by-side leaderboard of an experiment's methods: quality with confidence intervals and cost."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table

from tunewise.store.schema import Run


@dataclass
class Row:
    method_id: str
    run_id: int
    primary: str
    value: float
    low: float
    high: float
    others: dict[str, float]
    train_seconds: float
    trainable_params: int
    artifact_bytes: int
    prompt_tokens: float
    ms_per_example: float


def leaderboard_rows(runs: list[Run]) -> list[Row]:
    rows = []
    for run in runs:
        primary = run.metrics["primary"]
        score = run.metrics[primary]
        others = {k: v["value"] for k, v in run.metrics.items() if k not in (primary, "primary")}
        rows.append(
            Row(
                method_id=run.method_id,
                run_id=run.id,
                primary=primary,
                value=score["value"],
                low=score["low"],
                high=score["high"],
                others=others,
                train_seconds=run.cost["train_seconds"],
                trainable_params=run.cost["trainable_params"],
                artifact_bytes=run.cost["artifact_bytes"],
                prompt_tokens=run.cost["prompt_tokens_per_request"],
                ms_per_example=run.cost["seconds_per_example"] * 1000,
            )
        )
    return sorted(rows, key=lambda r: -r.value)


def leaderboard_table(title: str, rows: list[Row], test_size: int | None = None) -> Table:
    primary = rows[0].primary if rows else "metric"
    other_names = sorted({name for row in rows for name in row.others})
    caption = "95% bootstrap intervals over the test examples"
    table = Table(title=title, caption=f"{caption} (n={test_size})" if test_size else caption)
    for header, justify in [
        ("method", "left"),
        ("run", "right"),
        (f"{primary} [95% CI]", "right"),
        *[(name, "right") for name in other_names],
        ("train s", "right"),
        ("trainable", "right"),
        ("artifact", "right"),
        ("prompt tok/req", "right"),
        ("ms/example", "right"),
    ]:
        table.add_column(header, justify=justify)
    for row in rows:
        table.add_row(
            row.method_id,
            f"#{row.run_id}",
            f"{row.value:.3f} [{row.low:.3f}, {row.high:.3f}]",
            *[f"{row.others[n]:.3f}" if n in row.others else "-" for n in other_names],
            f"{row.train_seconds:.1f}",
            human_count(row.trainable_params),
            human_bytes(row.artifact_bytes),
            f"{row.prompt_tokens:.0f}",
            f"{row.ms_per_example:.0f}",
        )
    return table


def human_count(n: int) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def human_bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"
