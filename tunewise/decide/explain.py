"""The decision in plain language: why the recommended method, and what the data cannot tell apart."""

from __future__ import annotations

from tunewise.core.format import duration, p_value, usd
from tunewise.core.stats import examples_needed
from tunewise.decide.candidates import Candidate
from tunewise.decide.decision import Decision
from tunewise.decide.explain_human import human_caveats, human_reasons

SMALL_TEST_SET = 100


def explain(decision: Decision) -> tuple[list[str], list[str]]:
    """The reasons for the recommendation and the caveats about it, in plain words."""
    chosen, settings, reasons = decision.recommended, decision.settings, []
    if not decision.candidates:
        return ["No completed runs to decide between."], []
    if chosen is None:
        excluded = [f"{m}: {'; '.join(why)}" for m, why in decision.excluded.items()]
        return ["No method meets your constraints:", *excluded], []
    n = len(chosen.targets)
    reasons.append(
        f"Quality: {chosen.method_id} scores {chosen.metric} {chosen.value:.3f} "
        f"(95% CI {chosen.low:.3f}-{chosen.high:.3f}) on {n} test examples."
    )
    reasons += [_versus(decision, other) for other in decision.candidates if other is not chosen]
    reasons += human_reasons(decision)
    reasons.append(_cost(decision, chosen))
    if chosen.costs.latency_p95_ms is not None:
        limit = f" (your limit: {settings.max_latency_ms:g} ms)" if settings.max_latency_ms is not None else ""
        reasons.append(
            f"Latency: {chosen.costs.latency_p50_ms:.0f} ms median, {chosen.costs.latency_p95_ms:.0f} ms p95 per "
            f"request served one at a time{limit}."
        )
    if chosen.stability:
        s = chosen.stability
        reasons.append(
            f"Stability: across {len(s.get('scores', []))} rewordings of the prompt it scores {s['mean']:.3f} "
            f"± {s['std']:.3f}, worst {s['worst']:.3f}."
        )
    if chosen.sweep:
        w = chosen.sweep
        settings_text = ", ".join(f"{name}={value}" for name, value in w["params"].items())
        reasons.append(
            f"Sweep: the best of {w['trials']} trials of {w['group']} on the validation split ({settings_text}, "
            f"validation {w['validation']:.3f}); all trials together took {w['sweep_train_seconds'] / 60:.1f} min "
            "to build."
        )
    if chosen.forgetting:
        f = chosen.forgetting
        reasons.append(
            f"Forgetting: perplexity on general text went from {f['before']:.1f} to {f['after']:.1f} "
            f"({f['change']:+.1%}) after tuning."
        )
    reasons.append(_data(chosen))
    return reasons, _caveats(decision)


def _versus(decision: Decision, other: Candidate) -> str:
    chosen, alpha = decision.recommended, decision.settings.alpha
    test = decision.chosen_tests.get(other.method_id)
    excluded = decision.excluded.get(other.method_id)
    if test is None:
        return f"{other.method_id} was set aside: {'; '.join(excluded or ['not compared'])}."
    stats = f"{test.difference:+.3f}, {test.test} {p_value(test.adjusted_p)}"
    aside = f"; {other.method_id} is not an option anyway: {'; '.join(excluded)}" if excluded else ""
    if test.significant(alpha) and test.difference > 0:
        return f"Significantly better than {other.method_id} ({other.value:.3f}, difference {stats}){aside}."
    if test.significant(alpha):
        return f"Significantly worse than {other.method_id} ({other.value:.3f}, difference {stats}){aside}."
    cheaper = ""
    if decision.lifetime_usd(other) > decision.lifetime_usd(chosen):
        cheaper = (
            f"; {chosen.method_id} costs less at your volume ({usd(decision.lifetime_usd(chosen))} vs "
            f"{usd(decision.lifetime_usd(other))})"
        )
    return f"Tied with {other.method_id} ({other.value:.3f}, difference {stats}, not significant){cheaper}{aside}."


def _cost(decision: Decision, chosen: Candidate) -> str:
    c, s = chosen.costs, decision.settings
    device = "CPU" if c.build_device == "cpu" else c.build_device
    if c.build_compute_seconds is not None:  # counted work at the device's measured speed, the wall clock beside
        built = "nothing to build" if c.build_compute_seconds == 0 else f"{duration(c.build_compute_seconds)}"
        build = f"{built} of {device} compute; {duration(c.build_seconds)} by the clock"
    else:
        build = "no training" if c.build_seconds < 1 else f"{duration(c.build_seconds)} of {device} time"
    return (
        f"Cost: {usd(c.build_usd)} to build ({build}) and {usd(c.usd_per_1k_requests)} per 1,000 requests "
        f"(priced by {c.billing}); at {s.requests_per_month:,} requests a month for {s.horizon_months:g} months "
        f"that is {usd(decision.lifetime_usd(chosen))} in all."
    )


def _data(chosen: Candidate) -> str:
    sizes = chosen.split_sizes
    if chosen.trained:
        return (
            f"Data: trained on {sizes.get('train')} examples (validation {sizes.get('validation')}); "
            f"{chosen.costs.trainable_params:,} parameters learned."
        )
    demos = len(chosen.prompt.get("demos", []))
    shown = f" and shows {demos} examples in its prompt" if demos else ""
    return f"Data: it learns nothing from the {sizes.get('train')} training examples{shown}; no training needed."


def _caveats(decision: Decision) -> list[str]:
    chosen, caveats = decision.recommended, []
    n = len(chosen.targets)
    if n < SMALL_TEST_SET:
        width = chosen.high - chosen.low
        caveats.append(
            f"Only {n} test examples: the 95% interval is {width:.2f} wide. Use {SMALL_TEST_SET}+ to decide."
        )
    needed, same = [], []
    for other in decision.top_group:
        if other is chosen:
            continue
        count = examples_needed(chosen.correct, other.correct, decision.settings.alpha)
        if count is None:
            same.append(other.method_id)
        else:
            needed.append(f"{other.method_id} (about {count:,} test examples)")
    if needed:
        caveats.append(
            f"The data are too few to separate {chosen.method_id} from {', '.join(needed)}: that is how many test "
            f"examples it takes to detect the observed difference with 80% power; you have {n}."
        )
    if same:
        caveats.append(
            f"{chosen.method_id} makes as many errors as {', '.join(same)} on these {n} examples, so there is "
            "no difference to detect; the cheaper one is recommended."
        )
    caveats += _below_reference(decision)
    return caveats + human_caveats(decision)


def _below_reference(decision: Decision) -> list[str]:
    """Said plainly when no method does better than a constant answer (the majority label of train)."""
    ref = decision.reference
    if ref is None or any(c.value > ref.value for c in decision.candidates):
        return []
    return [
        f"No method beats always answering '{ref.label}' ({ref.metric} {ref.value:.2f}), the most frequent label "
        "of the training split: a constant answer does as well as every method here (for prompt methods, try "
        "calibration: auto)."
    ]
