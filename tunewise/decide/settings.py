"""What the user tells tunewise about money and constraints (the `prices:` and `decision:` sections)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TokenPrice:
    input_usd_per_million: float = field(metadata={"help": "$ per million prompt tokens"})
    output_usd_per_million: float = field(metadata={"help": "$ per million completion tokens"})

    def __post_init__(self):
        if self.input_usd_per_million < 0 or self.output_usd_per_million < 0:
            raise ValueError("token prices cannot be negative")

    def usd(self, input_tokens: float, output_tokens: float) -> float:
        return (input_tokens * self.input_usd_per_million + output_tokens * self.output_usd_per_million) / 1e6


@dataclass
class PriceSheet:
    """Default hourly prices are typical on-demand cloud list prices; set your own."""

    cpu_hour_usd: float = field(default=0.10, metadata={"help": "$ per hour of the CPU machine that runs tunewise"})
    gpu_hour_usd: float = field(default=2.50, metadata={"help": "$ per hour of one GPU"})
    devices: dict[str, float] = field(
        default_factory=dict,
        metadata={"help": "$ per hour by device name, e.g. {'NVIDIA H100 80GB HBM3': 2.9}; others use the two above"},
    )
    models: dict[str, TokenPrice] = field(
        default_factory=dict, metadata={"help": "per-token prices of models billed per token (remote APIs), by name"}
    )

    def __post_init__(self):
        if self.cpu_hour_usd < 0 or self.gpu_hour_usd < 0 or any(v < 0 for v in self.devices.values()):
            raise ValueError("hourly prices cannot be negative")

    def hourly(self, hardware: str, gpu: bool) -> float:
        """$ per hour of the named device: its own price if the sheet has one, else the CPU or GPU default."""
        if hardware in self.devices:
            return self.devices[hardware]
        return self.gpu_hour_usd if gpu else self.devices.get("cpu", self.cpu_hour_usd)


@dataclass
class DecisionConfig:
    requests_per_month: int = field(default=100_000, metadata={"help": "expected production volume"})
    horizon_months: float = field(default=12, metadata={"help": "how long the choice will serve"})
    min_quality: float | None = field(default=None, metadata={"help": "reject methods below this primary metric"})
    max_latency_ms: float | None = field(default=None, metadata={"help": "reject methods slower than this (p95)"})
    max_build_usd: float | None = field(default=None, metadata={"help": "reject methods costing more to build"})
    max_monthly_usd: float | None = field(
        default=None, metadata={"help": "reject methods costing more per month to run at the expected volume"}
    )
    alpha: float = field(default=0.05, metadata={"help": "significance level of the paired tests"})

    def __post_init__(self):
        if self.requests_per_month < 0 or self.horizon_months <= 0:
            raise ValueError("requests_per_month must be >= 0 and horizon_months > 0")
        if not 0 < self.alpha < 0.5:
            raise ValueError(f"alpha must be in (0, 0.5), got {self.alpha}")
        if self.min_quality is not None and not 0 <= self.min_quality <= 1:
            raise ValueError(f"min_quality must be in [0, 1] (every metric is a share), got {self.min_quality}")
        limits = {"max_latency_ms": self.max_latency_ms, "max_build_usd": self.max_build_usd}
        limits["max_monthly_usd"] = self.max_monthly_usd
        negative = [f"{name} {value}" for name, value in limits.items() if value is not None and value < 0]
        if negative:
            raise ValueError(f"limits must be 0 or more, got {', '.join(negative)}")

    @property
    def lifetime_requests(self) -> float:
        return self.requests_per_month * self.horizon_months
