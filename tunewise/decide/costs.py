"""What a method costs to build and to run, in seconds, FLOPs, tokens and dollars, and when one pays off.

Build cost is the measured wall time of `fit` (training, or building a prompt) priced at the hourly rate of
the device it ran on. Running cost is the measured batched throughput priced the same way, or, for a model
billed per token, its tokens priced per million. Latency percentiles come from requests served one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

from tunewise.decide.settings import PriceSheet


@dataclass
class CostProfile:
    build_seconds: float
    build_device: str  # "cpu" or the GPU's name
    build_flops: float
    build_usd: float
    usd_per_1k_requests: float
    billing: str  # how running cost is priced: "compute time" or "tokens"
    throughput_per_s: float
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    prompt_tokens: float
    completion_tokens: float
    trainable_params: int
    artifact_bytes: int

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
    gpu = (environment or {}).get("cuda")
    hourly = prices.gpu_hour_usd if gpu else prices.cpu_hour_usd
    seconds_per_request = cost["seconds_per_example"]
    prompt_tokens = cost["prompt_tokens_per_request"]
    completion_tokens = cost.get("completion_tokens_per_request", 0.0)
    token_price = prices.models.get(model_name or "")
    if token_price:
        per_request = (
            prompt_tokens * token_price.input_usd_per_million + completion_tokens * token_price.output_usd_per_million
        ) / 1e6
        billing = "tokens"
    else:
        per_request, billing = seconds_per_request * hourly / 3600, "compute time"
    return CostProfile(
        build_seconds=cost["train_seconds"],
        build_device=gpu or "cpu",
        build_flops=cost.get("build_flops", 0.0),
        build_usd=cost["train_seconds"] * hourly / 3600,
        usd_per_1k_requests=per_request * 1000,
        billing=billing,
        throughput_per_s=1 / seconds_per_request if seconds_per_request else float("inf"),
        latency_p50_ms=cost.get("latency_p50_ms"),
        latency_p95_ms=cost.get("latency_p95_ms"),
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        trainable_params=cost["trainable_params"],
        artifact_bytes=cost["artifact_bytes"],
    )


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
