"""What a method costs to build and to run, in seconds, FLOPs, tokens and dollars, and when one pays off.

Costs come from counted work, not from wall clocks that a busy machine inflates: a request's tokens read and
generated, and a build's training FLOPs plus the forward passes it ran, divided by the throughput measured for
this model on this device (``models/calibration.py``) and priced at the device's hourly rate. A model billed per
token is priced by its tokens. The observed wall clock is kept beside it; latency percentiles are measured
(requests served one at a time) with the machine's load at the time.
"""

from __future__ import annotations

from dataclasses import dataclass

from tunewise.core.throughput import Throughput
from tunewise.decide.settings import PriceSheet, TokenPrice


@dataclass
class CostProfile:
    build_seconds: float  # observed wall clock of building it
    build_device: str  # "cpu" or the GPU's name
    build_flops: float
    build_usd: float
    usd_per_1k_requests: float
    billing: str  # how running cost is priced: counted work, measured wall clock, or tokens
    throughput_per_s: float
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    prompt_tokens: float
    completion_tokens: float
    trainable_params: int
    artifact_bytes: int
    build_compute_seconds: float | None = None  # device seconds the counted build work takes at measured speed
    latency_load: str | None = None  # the machine's load while latency was measured, e.g. "load 1.9 on 2 cores"

    def run_usd(self, requests: float) -> float:
        return self.usd_per_1k_requests * requests / 1000

    def total_usd(self, requests: float) -> float:
        """Build once, then serve ``requests`` requests."""
        return self.build_usd + self.run_usd(requests)


def training_flops(base_params: int, trainable_params: int, tokens: int) -> float:
    """Forward 2·N·T, backward through the (frozen) network 2·N·T, weight gradients 2·N_trainable·T.
    Full fine-tuning gives the usual 6·N·T; adapters and soft prompts about 4·N·T."""
    return float((4 * base_params + 2 * trainable_params) * tokens)


def cost_profile(cost: dict, environment: dict, model_name: str | None, prices: PriceSheet) -> CostProfile:
    """Priced from counted work through the device's measured throughput when the run recorded one (runs since
    tunewise stores it), else from the measured wall clock (older runs)."""
    legacy_gpu = (environment or {}).get("cuda")  # runs before per-run device records named the GPU, if any
    record = cost.get("device") or {"hardware": legacy_gpu or "cpu", "device": "cuda" if legacy_gpu else "cpu"}
    gpu = not str(record.get("device", "cpu")).startswith("cpu")
    hourly = prices.hourly(record.get("hardware", "cpu"), gpu)
    speed = Throughput(**cost["throughput"]) if cost.get("throughput") else None
    build_compute = _build_seconds(cost, speed) if speed else None
    model = cost.get("model") or model_name or ""
    # A run says whether its model bills per token; a local model that shares an API model's name is never
    # priced as one. Runs from before 0.3 say nothing: their model is priced per token if the sheet names it.
    token_price = prices.models.get(model) if cost.get("bills_tokens", "bills_tokens" not in cost) else None
    if token_price:
        seconds = cost["seconds_per_example"]
        billing = (
            f"{model} tokens at ${token_price.input_usd_per_million:g}/${token_price.output_usd_per_million:g} per M"
        )
        billed = cost.get("bills_tokens")  # the server's usage: e.g. every label's request in full
        read = cost["read_tokens_per_request"] if billed else cost["prompt_tokens_per_request"]
        written = cost["generated_tokens_per_request"] if billed else cost.get("completion_tokens_per_request", 0.0)
        per_request = token_price.usd(read, written)
    elif cost.get("bills_tokens"):  # billed per token, but the sheet has no price for it (any more)
        seconds, per_request = cost["seconds_per_example"], 0.0
        billing = f"unpriced: no token price for {model} (add it under prices.models)"
    else:
        seconds = _request_seconds(cost, speed) if speed else cost["seconds_per_example"]
        billing = f"counted work on {record['hardware']}" if speed else "measured wall clock"
        per_request = seconds * hourly / 3600
    if cost.get("bills_tokens"):  # nothing of the build ran on a local device: it is the tokens it used
        build_device_usd = 0.0
    else:
        build_device_usd = (build_compute if speed else cost["train_seconds"]) * hourly / 3600
    build_usd = build_device_usd + _token_build_usd(cost, token_price if cost.get("bills_tokens") else None, prices)
    return CostProfile(
        build_seconds=cost["train_seconds"],
        build_device="cpu" if not gpu else record.get("hardware", "gpu"),
        build_flops=cost.get("build_flops", 0.0),
        build_usd=build_usd,
        usd_per_1k_requests=per_request * 1000,
        billing=billing,
        throughput_per_s=1 / seconds if seconds else float("inf"),
        latency_p50_ms=cost.get("latency_p50_ms"),
        latency_p95_ms=cost.get("latency_p95_ms"),
        prompt_tokens=cost["prompt_tokens_per_request"],
        completion_tokens=cost.get("completion_tokens_per_request", 0.0),
        trainable_params=cost["trainable_params"],
        artifact_bytes=cost["artifact_bytes"],
        build_compute_seconds=build_compute,
        latency_load=cost.get("latency_load"),
    )


def _request_seconds(cost: dict, speed: Throughput) -> float:
    """One request's device seconds: its tokens read and generated, on the network that serves it (the base
    plus any adapter, so the same base with the same tokens is never cheaper with an adapter on top)."""
    params = cost.get("served_params") or cost["base_params"]
    return speed.seconds(params, cost["read_tokens_per_request"], cost["generated_tokens_per_request"])


def _build_seconds(cost: dict, speed: Throughput) -> float:
    """Training FLOPs (priced at the measured forward rate) plus every forward pass and generation the method
    ran while building (validation, candidate prompts, a teacher's answers)."""
    training = cost.get("build_flops", 0.0) / speed.read_flops_per_second
    fit = speed.seconds(cost["base_params"], cost.get("fit_read_tokens", 0), cost.get("fit_generated_tokens", 0))
    others = sum(
        speed.seconds(w["params"], w["read_tokens"], w["generated_tokens"])
        for w in cost.get("other_work", [])
        if not w.get("bills_tokens")
    )
    return training + fit + others


def _token_build_usd(cost: dict, base_price: TokenPrice | None, prices: PriceSheet) -> float:
    """What a build paid per token: the base's own requests while fitting (when the base is an API model) and
    every API model's work for it (a teacher, a proposer)."""
    total = base_price.usd(cost.get("fit_read_tokens", 0), cost.get("fit_generated_tokens", 0)) if base_price else 0.0
    for work in cost.get("other_work", []):
        price = prices.models.get(work["model"])
        if work.get("bills_tokens") and price:
            total += price.usd(work["read_tokens"], work["generated_tokens"])
    return total


@dataclass
class BreakEven:
    cheaper_to_run: str
    dearer_to_run: str
    requests: float | None  # None: the cheaper-to-run one is cheaper from the first request on


def break_even(name_a: str, a: CostProfile, name_b: str, b: CostProfile) -> BreakEven | None:
    """After how many requests the method cheaper to run has paid back its higher build cost.
    None when both cost the same to run."""
    if a.usd_per_1k_requests == b.usd_per_1k_requests:
        return None
    (cheap_name, cheap), (dear_name, dear) = sorted(
        [(name_a, a), (name_b, b)], key=lambda pair: pair[1].usd_per_1k_requests
    )
    saving_per_request = (dear.usd_per_1k_requests - cheap.usd_per_1k_requests) / 1000
    requests = (cheap.build_usd - dear.build_usd) / saving_per_request
    return BreakEven(cheap_name, dear_name, requests if requests >= 1 else None)
