"""The decision on constructed cases whose right answer is known: a true tie, a true win, constraints."""

import numpy as np
import pytest

from tunewise.core.stats import examples_needed, holm, mcnemar_exact
from tunewise.decide.candidates import Candidate
from tunewise.decide.costs import CostProfile, break_even, cost_profile, training_flops
from tunewise.decide.recommend import decide
from tunewise.decide.settings import DecisionConfig, PriceSheet, TokenPrice

N = 200


def costs(build_usd=0.0, per_1k=0.01, p95=50.0, trainable=0) -> CostProfile:
    return CostProfile(
        build_seconds=build_usd * 36000,
        build_device="cpu",
        build_flops=0.0,
        build_usd=build_usd,
        usd_per_1k_requests=per_1k,
        billing="compute time",
        throughput_per_s=10.0,
        latency_p50_ms=p95 / 2,
        latency_p95_ms=p95,
        prompt_tokens=80,
        completion_tokens=1,
        trainable_params=trainable,
        artifact_bytes=100,
    )


def candidate(name: str, correct: np.ndarray, profile: CostProfile, targets=None) -> Candidate:
    targets = targets or ["a" if i % 2 else "b" for i in range(len(correct))]
    guesses = [t if ok else ("b" if t == "a" else "a") for t, ok in zip(targets, correct, strict=True)]
    value = float(np.mean(correct))
    return Candidate(
        method_id=name,
        method=name,
        run_id=1,
        metric="accuracy",
        value=value,
        low=value - 0.05,
        high=value + 0.05,
        other_metrics={},
        costs=profile,
        positions=list(range(len(correct))),
        inputs=[f"text {i}" for i in range(len(correct))],
        targets=targets,
        guesses=guesses,
        correct=[bool(c) for c in correct],
        split_sizes={"train": 400, "validation": 60, "test": len(correct)},
    )


def right_on(count: int, n: int = N, seed: int = 0) -> np.ndarray:
    right = np.zeros(n, bool)
    right[np.random.default_rng(seed).permutation(n)[:count]] = True
    return right


def test_mcnemar_counts_only_disagreements():
    a = np.array([1, 1, 1, 0, 0, 1], bool)
    b = np.array([1, 0, 0, 0, 1, 1], bool)
    only_a, only_b, p = mcnemar_exact(a, b)
    assert (only_a, only_b) == (2, 1)
    assert p == pytest.approx(1.0)  # 3 discordant pairs split 2:1 is what chance gives
    assert mcnemar_exact(a, a)[2] == 1.0
    # 20 discordant pairs all going one way: p = 2 * 0.5**20
    assert mcnemar_exact(np.ones(20, bool), np.zeros(20, bool))[2] == pytest.approx(2 * 0.5**20)


def test_holm_adjusts_in_order():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_examples_needed_shrinks_as_the_difference_grows():
    base = right_on(120)
    small, large = base.copy(), base.copy()
    small[np.flatnonzero(~base)[:6]] = True
    large[np.flatnonzero(~base)[:30]] = True
    assert examples_needed(small, base) > examples_needed(large, base) > 0
    assert examples_needed(base, base) is None


def test_a_true_win_is_a_win():
    strong = candidate("lora", right_on(180), costs(build_usd=0.5, per_1k=0.01, trainable=1000))
    weak = candidate("zero_shot", right_on(110, seed=1), costs(per_1k=0.01))
    decision = decide([weak, strong], DecisionConfig())
    assert decision.recommended.method_id == "lora"
    assert decision.tests["zero_shot"].significant(0.05)
    assert decision.tests["zero_shot"].low > 0  # the paired interval of the difference excludes 0
    assert any(r.startswith("Significantly better than zero_shot") for r in decision.reasons)


def test_a_true_tie_goes_to_the_cheaper_method_and_says_so():
    right = right_on(150)
    nearly = right.copy()
    nearly[np.flatnonzero(right)[:3]] = False  # 3 more errors out of 200: not a real difference
    nearly[np.flatnonzero(~right)[:1]] = True
    costly = candidate("lora", right, costs(build_usd=0.5, per_1k=0.02, trainable=1000))
    cheap = candidate("few_shot", nearly, costs(per_1k=0.01))
    decision = decide([costly, cheap], DecisionConfig())
    assert decision.leader.method_id == "lora"
    assert not decision.tests["few_shot"].significant(0.05)
    assert decision.recommended.method_id == "few_shot"
    assert any(r.startswith("Tied with lora") and "costs less" in r for r in decision.reasons)
    assert any("too few to separate few_shot from lora" in c for c in decision.caveats)


def test_constraints_exclude_and_explain():
    strong = candidate("lora", right_on(180), costs(build_usd=5.0, p95=900, trainable=1000))
    weak = candidate("zero_shot", right_on(110, seed=1), costs())
    decision = decide([weak, strong], DecisionConfig(max_latency_ms=500))
    assert decision.recommended.method_id == "zero_shot"
    assert "p95 latency 900 ms exceeds max_latency_ms 500" in decision.excluded["lora"][0]
    nothing = decide([weak, strong], DecisionConfig(min_quality=0.95))
    assert nothing.recommended is None and nothing.reasons[0] == "No method meets your constraints:"


def test_pareto_front_and_break_even():
    cheap = candidate("zero_shot", right_on(110), costs(per_1k=0.10))
    mid = candidate("few_shot", right_on(100, seed=2), costs(per_1k=0.20))  # worse and dearer: dominated
    trained = candidate("lora", right_on(180), costs(build_usd=1.0, per_1k=0.05, trainable=10))
    decision = decide([cheap, mid, trained], DecisionConfig(requests_per_month=1000, horizon_months=1))
    assert decision.pareto == ["zero_shot", "lora"]
    be = break_even("lora", trained.costs, "zero_shot", cheap.costs)
    assert be.cheaper_to_run == "lora" and be.requests == pytest.approx(20_000)  # $1 / $0.00005 per request
    assert break_even("a", cheap.costs, "b", cheap.costs) is None


def test_runs_on_another_test_set_are_set_aside():
    a = candidate("zero_shot", right_on(110), costs())
    b = candidate("few_shot", right_on(120), costs())
    stale = candidate("lora", right_on(150, n=N - 10), costs(trainable=5))
    decision = decide([a, b, stale], DecisionConfig())
    assert "another test set" in decision.excluded["lora"][0]
    assert decision.recommended.method_id != "lora" and "lora" not in decision.tests


def test_cost_profile_prices_compute_time_or_tokens():
    cost = {
        "train_seconds": 3600,
        "trainable_params": 10,
        "artifact_bytes": 1,
        "seconds_per_example": 0.36,
        "prompt_tokens_per_request": 1000,
        "completion_tokens_per_request": 10,
    }
    local = cost_profile(cost, {"cuda": None}, "tiny", PriceSheet(cpu_hour_usd=0.5))
    assert local.build_usd == pytest.approx(0.5) and local.usd_per_1k_requests == pytest.approx(0.05)
    gpu = cost_profile(cost, {"cuda": "H100"}, "tiny", PriceSheet(gpu_hour_usd=2.0))
    assert gpu.build_usd == pytest.approx(2.0) and gpu.build_device == "H100"
    remote = cost_profile(cost, {}, "api-model", PriceSheet(models={"api-model": TokenPrice(3.0, 15.0)}))
    assert remote.billing.startswith("api-model tokens at") and remote.usd_per_1k_requests == pytest.approx(3.15)


def test_training_flops_follow_the_6nt_rule_for_full_fine_tuning():
    assert training_flops(100, 100, 10) == 6000
    assert training_flops(100, 0, 10) == 4000


def counted(seconds_per_example: float, served_params: int = 1_000_000, **extra) -> dict:
    """A run's cost record with a measured throughput: 1 GFLOP/s reading, 0.5 GFLOP/s generating."""
    return {
        "train_seconds": 50.0,
        "trainable_params": served_params - 1_000_000,
        "artifact_bytes": 1,
        "seconds_per_example": seconds_per_example,
        "prompt_tokens_per_request": 90,
        "completion_tokens_per_request": 2,
        "read_tokens_per_request": 100,
        "generated_tokens_per_request": 10,
        "base_params": 1_000_000,
        "served_params": served_params,
        "build_flops": 4e9,
        "fit_read_tokens": 500,
        "device": {"device": "cpu", "dtype": "float32", "hardware": "Test CPU"},
        "throughput": {
            "hardware": "Test CPU",
            "device": "cpu",
            "dtype": "float32",
            "threads": 2,
            "read_flops_per_second": 1e9,
            "generate_flops_per_second": 5e8,
            "method": "test",
        },
        **extra,
    }


def test_counted_work_gives_the_same_price_whatever_the_wall_clock_said():
    """The same tokens on the same network cost the same, though one evaluation ran on a busy machine."""
    prices = PriceSheet(cpu_hour_usd=3.6)
    quiet, busy = cost_profile(counted(0.1), {}, "m", prices), cost_profile(counted(0.9), {}, "m", prices)
    assert quiet.usd_per_1k_requests == busy.usd_per_1k_requests
    # 2 x 1e6 params x (100 read / 1e9 + 10 generated / 5e8) = 0.24 s a request at $0.001 a second
    assert quiet.usd_per_1k_requests == pytest.approx(0.24)
    # 4e9 training FLOPs / 1e9 + 2 x 1e6 x 500 / 1e9 = 5 device seconds; the wall clock (50 s) is kept beside it
    assert quiet.build_usd == pytest.approx(5 * 0.001) and quiet.build_seconds == 50.0
    assert quiet.billing == "counted work on Test CPU" and quiet.build_compute_seconds == pytest.approx(5.0)


def test_an_adapter_over_the_same_base_and_tokens_is_never_cheaper_to_run():
    prices = PriceSheet()
    plain = cost_profile(counted(0.5), {}, "m", prices)
    adapted = cost_profile(counted(0.2, served_params=1_000_800), {}, "m", prices)  # measured faster, by chance
    assert adapted.usd_per_1k_requests >= plain.usd_per_1k_requests


def test_each_device_is_priced_at_its_own_rate():
    prices = PriceSheet(cpu_hour_usd=0.1, gpu_hour_usd=2.0, devices={"NVIDIA H100": 4.0})
    assert prices.hourly("Test CPU", gpu=False) == 0.1 and prices.hourly("NVIDIA A10", gpu=True) == 2.0
    assert prices.hourly("NVIDIA H100", gpu=True) == 4.0
    on_gpu = counted(0.1, device={"device": "cuda:0", "dtype": "bfloat16", "hardware": "NVIDIA H100"})
    assert cost_profile(on_gpu, {}, "m", prices).usd_per_1k_requests == pytest.approx(0.24 * 4.0 / 3.6)
    teacher = counted(0.1, other_work=[{"model": "t", "params": 2_000_000, "read_tokens": 1000, "generated_tokens": 0}])
    assert cost_profile(teacher, {}, "m", prices).build_compute_seconds == pytest.approx(5.0 + 4.0)
