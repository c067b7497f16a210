"""`tunewise show RUN`: one run's details, readable in a terminal (or as JSON)."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tunewise.core.format import describe_cut, human_bytes, human_count
from tunewise.methods import METHODS
from tunewise.report.quality import print_report, stored_report
from tunewise.report.sections import print_section
from tunewise.store import Store

SPARKS = "▁▂▃▄▅▆▇█"


def run_as_dict(store: Store, run_id: int) -> dict:
    run, experiment = store.run(run_id)
    fields = (
        "id",
        "method_id",
        "method",
        "status",
        "started_at",
        "finished_at",
        "error",
        "config",
        "metrics",
        "primary_metric",
        "measurements",
        "cost",
        "details",
        "environment",
        "code_version",
        "split_sizes",
        "artifact_path",
    )
    data = {name: getattr(run, name) for name in fields} | {"experiment": experiment}
    data["step_metrics"] = [{"step": m.step, "name": m.name, "value": m.value} for m in store.step_metrics(run_id)]
    return data


def render_run(console: Console, store: Store, run_id: int, examples: int) -> None:
    run, experiment = store.run(run_id)
    when = run.started_at.strftime("%Y-%m-%d %H:%M:%S")
    console.print(
        f"[bold]run #{run.id}[/]  {escape(experiment)} / {escape(run.method_id)} ({escape(run.method)})  "
        f"[bold]{run.status}[/]  started {when}  code {run.code_version}"
    )
    if run.error:
        console.print(Panel(Text(run.error.strip()), title="error", border_style="red"))
    console.print(f"config: {escape(str(run.config))}")
    console.print(f"splits: {escape(str(run.split_sizes))}")
    if run.metrics:
        _metrics(console, run)
    if run.details:
        _prompt(console, run.details.get("prompt", {}))
        sections = METHODS.get(run.method).summary(run.details) if run.method in METHODS else []
        for section in sections:
            print_section(console, section)
        if run.details.get("data_quality"):
            print_report(console, "data check at the start of this run", stored_report(run.details["data_quality"]))
    _curves(console, store, run_id)
    if run.status == "completed" and examples:
        _predictions(console, store, run_id, examples)


def _metrics(console: Console, run) -> None:
    table = Table("metric", "value", "95% CI", title="test metrics")
    for name, score in run.metrics.items():
        table.add_row(escape(name), f"{score['value']:.3f}", f"[{score['low']:.3f}, {score['high']:.3f}]")
    console.print(table)
    measured = run.measured
    stability = measured.stability
    if stability:
        variants = ", ".join(f"{n} {v:.3f}" for n, v in zip(stability["variants"], stability["scores"], strict=True))
        console.print(
            f"stability over {len(stability['scores'])} reworded prompts on {stability['examples']} test examples: "
            f"mean {stability['mean']:.3f} ± {stability['std']:.3f}, worst {stability['worst']:.3f} "
            f"(original prompt {stability['original']:.3f}): {variants}"
        )
    if measured.context_cut:
        console.print(f"context: {describe_cut(measured.context_cut)}")
    forgetting = measured.forgetting
    if forgetting:
        console.print(
            f"forgetting: perplexity on {forgetting['texts']} general-text conversations ({forgetting['tokens']:,} "
            f"tokens) {forgetting['before']:.2f} before tuning, {forgetting['after']:.2f} after "
            f"({forgetting['change']:+.1%})"
        )
    _bias(console, measured.bias)
    _judge(console, measured.judge)
    cv = measured.cross_validation
    if cv:
        folds = ", ".join(f"{score:.3f}" for score in cv["scores"])
        console.print(
            f"{cv['folds']}-fold cross-validation on the training split: {cv['mean']:.3f} ± {cv['std']:.3f} ({folds})"
        )
    cost = run.cost
    latency = ""
    if cost.get("latency_p95_ms") is not None:
        latency = f", one request at a time {cost['latency_p50_ms']:.0f} ms p50 / {cost['latency_p95_ms']:.0f} ms p95"
    flops = f", ~{cost['build_flops']:.2g} training FLOPs" if cost.get("build_flops") else ""
    console.print(
        f"cost: build {cost['train_seconds']:.1f} s{flops}, {human_count(cost['trainable_params'])} trainable "
        f"params, artifact {human_bytes(cost['artifact_bytes'])}, {cost['prompt_tokens_per_request']:.0f} prompt "
        f"tokens/request, {cost['seconds_per_example'] * 1000:.0f} ms/example batched{latency}"
    )
    _device(console, cost)


def _judge(console: Console, judged: dict | None) -> None:
    """How the LLM judge's metric was reached (its prompts and raw verdicts are in `tunewise show RUN --json`)."""
    if not judged:
        return
    how = (
        "the expected score from each score's log-likelihood"
        if judged["mode"] == "logprobs"
        else "the score its reply names"
    )
    left_out = f"; {judged['unparsed']} replies named no score and are left out" if judged["unparsed"] else ""
    console.print(
        f"judge: {escape(judged['model'])} scored the first {judged['examples']} test answers on "
        f"{escape(judged['rubric'])}, 1 to {judged['scale']} ({escape(judged['metric'])}: {how})"
        f"{left_out}"
    )


def _device(console: Console, cost: dict) -> None:
    """Where it ran and how fast that device is for this model (which prices the counted work)."""
    device, speed = cost.get("device"), cost.get("throughput")
    if not device:
        return
    if device["device"] == "api":
        _api(console, device, cost)
        return
    line = f"device: {device['device']} ({device['hardware']}), {device['dtype']}"
    if speed:
        line += (
            f"; measured {speed['read_flops_per_second'] / 1e9:.1f} GFLOP/s reading, "
            f"{speed['generate_flops_per_second'] / 1e9:.1f} GFLOP/s generating ({speed['method']})"
        )
    work = f"{cost.get('read_tokens_per_request', 0):.0f} read + {cost.get('generated_tokens_per_request', 0):.0f}"
    console.print(escape(f"{line}; work per request {work} generated tokens"))


def _api(console: Console, device: dict, cost: dict) -> None:
    """A model behind an API: how labels were scored, what was sent and what the server billed per request."""
    scoring = {"logprobs": "by their logprobs (/v1/completions, echo)", "generate": "read from a chat reply"}
    labels = scoring.get(device.get("label_scoring") or "", "")
    unparsed = f" ({device['unparsed_replies']} replies named no label)" if device.get("unparsed_replies") else ""
    console.print(
        escape(
            f"model: {device['model']} behind an API ({device['hardware'].removeprefix('api ')})"
            + (f"; labels scored {labels}{unparsed}" if labels else "")
            + f"; {device.get('requests', 0)} requests sent ({device.get('retries', 0)} retries), "
            f"{device.get('cached', 0)} answered from the cache; billed per request "
            f"{cost.get('read_tokens_per_request', 0):.0f} prompt + {cost.get('generated_tokens_per_request', 0):.0f} "
            "completion tokens"
        )
    )


def _prompt(console: Console, prompt: dict) -> None:
    lines = []
    if prompt.get("system"):
        lines.append(f"[bold]system:[/] {escape(prompt['system'])}")
    if prompt.get("instruction"):
        lines.append(f"[bold]instruction:[/] {escape(prompt['instruction'])}")
    for text, answer in prompt.get("demos", []):
        lines.append(f"[bold]example:[/] {escape(text)} [bold]->[/] {escape(answer)}")
    if prompt.get("demos_per_request"):
        lines.append("[bold]examples:[/] chosen per request (the nearest training examples)")
    if prompt.get("verbalizer"):
        lines.append(f"[bold]label words:[/] {escape(str(prompt['verbalizer']))}")
    if lines:
        console.print(Panel("\n".join(lines), title="prompt"))


def _bias(console: Console, bias: dict | None) -> None:
    if not bias:
        return
    parts = [
        f"{name} {s['value']:.3f} [{s['low']:.3f}, {s['high']:.3f}] (n={s['n']})" if s["n"] else f"{name} (n=0)"
        for name, s in bias["slices"].items()
    ]
    gap, verdict = bias.get("gap"), ""
    if gap:
        real = "a real gap" if gap["real"] else "not distinguishable from no gap"
        span = f"{gap['value']:+.3f} [{gap['low']:+.3f}, {gap['high']:+.3f}]"
        verdict = f"; gap {gap['best']} - {gap['worst']} {span}, {real}"
    console.print(escape(f"bias probe ({bias['metric']} by slice): " + ", ".join(parts) + verdict))


def _curves(console: Console, store: Store, run_id: int) -> None:
    series = defaultdict(list)
    for metric in store.step_metrics(run_id):
        series[metric.name].append((metric.step, metric.value))
    for name in ("loss", "validation"):
        points = series.get(name)
        if points:
            values = [v for _, v in points]
            console.print(
                f"{name:>10}: {sparkline(values)}  first {values[0]:.3f}, last {values[-1]:.3f}, "
                f"best {max(values) if name == 'validation' else min(values):.3f} ({len(values)} points)"
            )


def _predictions(console: Console, store: Store, run_id: int, examples: int) -> None:
    rows = store.predictions(run_id)
    wrong = [r for r in rows if not r.correct]
    table = Table("input", "target", "prediction", title=f"test predictions ({len(wrong)} of {len(rows)} wrong)")
    for row in (wrong + [r for r in rows if r.correct])[:examples]:
        colour = "green" if row.correct else "red"
        table.add_row(escape(row.input[:80]), escape(row.target), f"[{colour}]{escape(row.prediction)}[/]")
    console.print(table)


def sparkline(values: list[float], width: int = 40) -> str:
    if len(values) > width:
        step = len(values) / width
        values = [values[int(i * step)] for i in range(width)]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(SPARKS[int((v - low) / span * (len(SPARKS) - 1))] for v in values)
