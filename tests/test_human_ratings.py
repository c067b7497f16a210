"""Blind human A/B ratings in the comparison: win rates with ties counted half and Wilson intervals, the
Bradley–Terry ranking, the decision citing them (never changing the recommendation), the reports showing them,
and their export as DPO pairs and KTO judgments."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from click.testing import CliRunner
from rich.console import Console

from tunewise.cli import cli
from tunewise.core.record import Measurements
from tunewise.decide.human import HumanRatings, bradley_terry, outcomes
from tunewise.decide.load import decision_for
from tunewise.report.as_json import decision_as_dict
from tunewise.report.html import render_report
from tunewise.report.human import human_table
from tunewise.report.preference_data import preference_pairs, single_judgments
from tunewise.store import Store
from tunewise.store.schema import Rating

# -- the statistics, on ratings built by hand ----------------------------------------------------------------------


POSITIONS = itertools.count()  # a rater judges each test position and pair of methods once: a new one each time


def rating(left: str, right: str, choice: str, rater="ann", prompt="p", left_output=None, right_output=None, at=None):
    return Rating(
        experiment="x",
        rater=rater,
        position=next(POSITIONS) if at is None else at,
        prompt=prompt,
        left_run=1,
        right_run=2,
        left_method=left,
        right_method=right,
        left_output=f"{left} says hi" if left_output is None else left_output,
        right_output=f"{right} says hi" if right_output is None else right_output,
        choice=choice,
    )


def record(left_wins: int, right_wins: int, left: str, right: str) -> list[Rating]:
    return [rating(left, right, "left") for _ in range(left_wins)] + [
        rating(left, right, "right") for _ in range(right_wins)
    ]


def test_win_rates_count_ties_and_both_bad_as_half_a_win():
    human = HumanRatings.from_ratings(
        [
            rating("a", "b", "left"),  # a wins
            rating("b", "a", "right", rater="bob"),  # a wins, shown on the right
            rating("a", "b", "right"),  # b wins
            rating("a", "b", "tie"),
            rating("b", "a", "both_bad", rater="bob"),
        ]
    )
    a, b = human.of("a"), human.of("b")
    assert (human.ratings, human.raters) == (5, 2)
    assert (a.comparisons, a.wins, a.losses, a.ties, a.both_bad) == (5, 2, 1, 2, 1)
    assert (b.comparisons, b.wins, b.losses, b.ties, b.both_bad) == (5, 1, 2, 2, 1)
    assert a.win_rate == pytest.approx(3 / 5) and b.win_rate == pytest.approx(2 / 5)  # (wins + ties/2) / n
    assert (a.low, a.high) == pytest.approx((0.2307, 0.8824), abs=1e-4)  # Wilson 95% for 3 of 5, from tables
    assert (b.low, b.high) == pytest.approx((1 - 0.8824, 1 - 0.2307), abs=1e-4)
    assert [row.method_id for row in human.methods] == ["a", "b"] and (a.rank, b.rank) == (1, 2)


def test_no_ratings_and_self_comparisons_give_nothing():
    assert HumanRatings.from_ratings([]) is None
    assert HumanRatings.from_ratings([rating("lora", "lora", "left")]) is None  # two runs of one method
    mixed = HumanRatings.from_ratings([rating("lora", "lora", "left"), rating("lora", "few_shot", "left")])
    assert mixed.ratings == 1 and mixed.of("lora").comparisons == 1


def test_a_second_vote_of_one_rater_on_the_same_pair_counts_once():
    votes = [
        rating("a", "b", "left", at=7),
        rating("b", "a", "left", at=7),
        rating("a", "b", "right", rater="bob", at=7),
    ]
    human = HumanRatings.from_ratings(votes)
    assert human.ratings == 2 and (human.of("a").wins, human.of("a").losses) == (1, 1)  # ann's first, bob's
    assert len(preference_pairs(votes)) == 2 and len(single_judgments(votes)) == 4


def test_bradley_terry_of_two_methods_is_their_smoothed_win_share():
    # A beats B 3 times in 4. Without the prior the MLE is p_A / (p_A + p_B) = 3/4 exactly; with one virtual tie
    # the wins are 3.5 and 1.5 of 5: 0.7 and 0.3.
    both_sides = [o for r in record(3, 1, "a", "b") for o in outcomes(r)]
    assert bradley_terry(both_sides, prior_ties=0.0) == pytest.approx({"a": 0.75, "b": 0.25})
    assert bradley_terry(both_sides) == pytest.approx({"a": 0.7, "b": 0.3})


def test_bradley_terry_ranks_a_chain_a_over_b_over_c():
    human = HumanRatings.from_ratings(record(8, 2, "a", "b") + record(2, 8, "c", "b") + record(6, 4, "a", "c"))
    assert [row.method_id for row in human.methods] == ["a", "b", "c"]
    assert [row.rank for row in human.methods] == [1, 2, 3]
    strengths = [row.strength for row in human.methods]
    assert sum(strengths) == pytest.approx(1.0) and strengths[0] > strengths[1] > strengths[2] > 0
    # At the fixed point of Hunter's MM step each method's (smoothed) wins equal its expected wins.
    p = {row.method_id: row.strength for row in human.methods}
    games = {("a", "b"): 10 + 1, ("b", "c"): 10 + 1, ("a", "c"): 10 + 1}
    wins_a = 8 + 6 + 1.0  # its wins plus half of each of its two virtual ties
    expected_a = sum(n * p["a"] / (p["a"] + p[o]) for (m, o), n in games.items() if m == "a")
    assert expected_a == pytest.approx(wins_a, rel=1e-6)


def test_a_method_that_never_lost_keeps_a_finite_strength():
    human = HumanRatings.from_ratings(record(10, 0, "a", "b"))
    a, b = human.of("a"), human.of("b")
    assert a.strength == pytest.approx(10.5 / 11) and b.strength == pytest.approx(0.5 / 11)  # 10.5 : 0.5 wins
    assert np.isfinite(a.strength) and 0 < b.strength < a.strength < 1
    assert a.win_rate == 1.0 and a.high == 1.0 and a.low < 0.75  # Wilson: 10 of 10 still leaves room
    three = HumanRatings.from_ratings(record(10, 0, "a", "b") + record(5, 0, "a", "c") + record(3, 3, "b", "c"))
    assert three.best.method_id == "a" and all(0 < row.strength < 1 for row in three.methods)


# -- export -------------------------------------------------------------------------------------------------------

EXPORTED = [
    rating("a", "b", "left", prompt="q1", left_output="good", right_output="bad"),
    rating("a", "b", "right", prompt="q2", left_output="worse", right_output="better"),
    rating("a", "b", "tie", prompt="q3", left_output="same-ish", right_output="also fine"),
    rating("a", "b", "both_bad", prompt="q4", left_output="wrong", right_output="also wrong"),
    rating("a", "b", "left", prompt="q5", left_output="twin", right_output="twin"),
    rating("a", "b", "both_bad", prompt="q6", left_output="dup", right_output="dup"),
]


def test_preference_pairs_keep_only_real_choices_between_different_answers():
    assert preference_pairs(EXPORTED) == [
        {"prompt": "q1", "chosen": "good", "rejected": "bad"},
        {"prompt": "q2", "chosen": "better", "rejected": "worse"},
    ]


def test_single_judgments_label_the_preferred_true_and_both_bad_false_and_skip_ties():
    assert single_judgments(EXPORTED) == [
        {"prompt": "q1", "completion": "good", "label": True},
        {"prompt": "q1", "completion": "bad", "label": False},
        {"prompt": "q2", "completion": "worse", "label": False},
        {"prompt": "q2", "completion": "better", "label": True},
        {"prompt": "q4", "completion": "wrong", "label": False},
        {"prompt": "q4", "completion": "also wrong", "label": False},
        {"prompt": "q6", "completion": "dup", "label": False},  # the same text judged bad once, not twice
    ]


# -- a stored experiment: lora is clearly best on the metric ------------------------------------------------------

N = 120
LABELS = ["fresh", "rotten"]
SNAPSHOT = {"task": {"type": "classification", "labels": LABELS}, "seed": 0, "decision": {}, "prices": {}}
METHODS = {"zero_shot": 66, "few_shot": 72, "lora": 108}  # test examples each gets right


def store_run(store: Store, experiment_id: int, method_id: str, right: int) -> int:
    run_id = store.start_run(
        experiment_id,
        method_id=method_id,
        method=method_id,
        config={},
        fingerprint=method_id,
        environment={},
        code_version="test",
        split_sizes={"train": 400, "validation": 60, "test": N},
    )
    correct = np.zeros(N, bool)
    correct[np.random.default_rng(len(method_id)).permutation(N)[:right]] = True
    targets = [LABELS[i % 2] for i in range(N)]
    accuracy = right / N
    store.finish_run(
        run_id,
        metrics={"accuracy": {"value": accuracy, "low": accuracy - 0.07, "high": accuracy + 0.07}},
        primary="accuracy",
        measurements=Measurements(),
        cost={
            "train_seconds": 100.0 if method_id == "lora" else 0.0,
            "seconds_per_example": 0.05,
            "prompt_tokens_per_request": 40,
            "trainable_params": 1000 if method_id == "lora" else 0,
            "artifact_bytes": 100,
        },
        details={},
        artifact_path="/nowhere",
        predictions=[
            {
                "split": "test",
                "position": i,
                "origin": f"test.jsonl:{i + 1}",
                "input": f"review {i}",
                "target": t,
                "prediction": t if ok else LABELS[1 - i % 2],
                "correct": bool(ok),
                "detail": {},
            }
            for i, (t, ok) in enumerate(zip(targets, correct, strict=True))
        ],
    )
    return run_id


@pytest.fixture
def store() -> Store:
    store = Store()
    experiment_id = store.experiment("reviews", SNAPSHOT)
    for method_id, right in METHODS.items():
        store_run(store, experiment_id, method_id, right)
    return store


def latest_runs(store: Store) -> dict[str, int]:
    return {run.method_id: run.id for run in store.latest_completed("reviews")}


def add_ratings(store: Store, left: str, right: str, choices: list[str], rater="ann"):
    runs = latest_runs(store)
    for position, choice in enumerate(choices):
        store.ratings.add(
            experiment="reviews",
            rater=rater,
            position=position,
            prompt=f"review {position}",
            left_run=runs[left],
            right_run=runs[right],
            left_method=left,
            right_method=right,
            left_output=f"{left}: fresh {position}",
            right_output=f"{right}: rotten {position}",
            choice=choice,
        )


def test_the_decision_cites_the_ratings_of_the_recommended_method(store):
    old_lora = latest_runs(store)["lora"]
    # 16 of lora's ratings judge the lora run that is then re-run: they still count for lora.
    add_ratings(store, "lora", "zero_shot", ["left"] * 10 + ["right"] * 2)
    add_ratings(store, "few_shot", "lora", ["right"] * 3 + ["tie"], rater="bob")
    store_run(store, store.experiment("reviews", SNAPSHOT), "lora", METHODS["lora"])  # re-run: a newer lora run
    add_ratings(store, "lora", "few_shot", ["left"] * 6 + ["both_bad", "right"], rater="cy")
    decision = decision_for(store, "reviews")
    lora = decision.human.of("lora")
    assert decision.recommended.method_id == "lora" and decision.recommended.run_id != old_lora
    assert {r.left_run for r in store.ratings.of("reviews") if r.left_method == "lora"} == {
        old_lora,
        latest_runs(store)["lora"],
    }
    assert (lora.comparisons, lora.wins, lora.losses, lora.ties, lora.both_bad) == (24, 19, 3, 2, 1)
    assert (decision.human.ratings, decision.human.raters) == (24, 3)
    # (19 + 2/2) / 24 = 83%; lora beats both others, so it is Bradley–Terry rank 1 of 3.
    cited = [r for r in decision.reasons if r.startswith("Human preference")]
    assert cited == [
        f"Human preference: people preferred lora in 83% of 24 blind comparisons [{lora.low:.0%}, {lora.high:.0%}] "
        "(Bradley–Terry rank 1 of 3; ties count half; 24 ratings by 3 raters)."
    ]
    assert not [c for c in decision.caveats if "blind" in c or "preferred" in c]


def test_caveats_when_raters_prefer_another_method_or_are_too_few(store):
    add_ratings(store, "lora", "few_shot", ["right"] * 5 + ["left"])  # people prefer few_shot, 5 to 1
    decision = decision_for(store, "reviews")
    assert decision.recommended.method_id == "lora"  # the metric decides; ratings are cited
    assert decision.human.best.method_id == "few_shot" and decision.human.of("lora").rank == 2
    assert "Only 6 blind ratings: too few ratings to rely on" in " ".join(decision.caveats)
    disagree = [c for c in decision.caveats if c.startswith("People preferred few_shot")]
    assert len(disagree) == 1 and "to the recommended lora (rank 2)" in disagree[0]
    assert "people preferred lora in 17% of 6 blind comparisons" in " ".join(decision.reasons)


def test_a_recommended_method_nobody_rated_is_said_plainly(store):
    add_ratings(store, "zero_shot", "few_shot", ["left"] * 25)
    decision = decision_for(store, "reviews")
    assert not [r for r in decision.reasons if r.startswith("Human preference")]
    assert "No blind rating includes lora, so whether people prefer it is unknown." in decision.caveats
    assert not [c for c in decision.caveats if "too few ratings" in c]  # 25 ratings are enough


def test_without_ratings_the_decision_has_no_human_block(store):
    decision = decision_for(store, "reviews")
    assert decision.human is None and decision_as_dict("reviews", decision)["human"] is None
    assert 'id="human-ratings"' not in render_report(decision, "reviews")


def test_reports_show_the_human_ratings(store):
    add_ratings(store, "lora", "zero_shot", ["left"] * 7 + ["tie"] * 2 + ["right"])
    decision = decision_for(store, "reviews")
    block = decision_as_dict("reviews", decision)["human"]
    assert block["ratings"] == 10 and block["raters"] == 1
    lora = next(row for row in block["methods"] if row["method_id"] == "lora")
    assert lora["win_rate"] == pytest.approx(0.8) and lora["rank"] == 1 and lora["ties"] == 2

    console = Console(width=200, record=True)
    console.print(human_table(decision.human, "lora"))
    text = console.export_text()
    row = next(line for line in text.splitlines() if "lora ★" in line)
    assert "1 of 2" in row and f"80% [{lora['low']:.0%}, {lora['high']:.0%}]" in row

    html = render_report(decision, "reviews")
    section = html[html.index('<section id="human-ratings">') :].split("</section>")[0]
    lora_row = section[section.index("<td>lora") :].split("</tr>")[0]
    assert "1 of 2" in lora_row and "80%" in lora_row and "Wilson" in section


# -- the command line ---------------------------------------------------------------------------------------------


def test_compare_prints_the_ratings_table_after_the_leaderboard(store):
    add_ratings(store, "lora", "few_shot", ["left"] * 20 + ["right"] * 5)
    shown = CliRunner().invoke(cli, ["compare", "reviews"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.index("Blind human ratings: 25 by 1 rater") > shown.output.index("reviews: test split")
    found = json.loads(CliRunner().invoke(cli, ["compare", "reviews", "--json"]).output)
    assert found["human"]["methods"][0]["method_id"] == "lora" and found["human"]["methods"][0]["wins"] == 20


def test_ratings_command_prints_the_table(store):
    add_ratings(store, "lora", "few_shot", ["left", "left", "both_bad"])
    shown = CliRunner().invoke(cli, ["ratings", "reviews"])
    assert shown.exit_code == 0, shown.output
    assert "Blind human ratings: 3 by 1 rater" in shown.output
    lora = next(line for line in shown.output.splitlines() if line.strip("│ ").startswith("lora"))
    assert "83% [" in lora and "1 of 2" in lora  # (2 + 1/2) / 3


def test_ratings_command_exports_jsonl(store, tmp_path):
    add_ratings(store, "lora", "few_shot", ["left", "right", "tie", "both_bad"])
    pairs_file = tmp_path / "out" / "pairs.jsonl"
    done = CliRunner().invoke(cli, ["ratings", "reviews", "--export", "pairs", "-o", str(pairs_file)])
    assert done.exit_code == 0, done.output
    assert "wrote 2 preference pairs" in done.output
    assert [json.loads(line) for line in pairs_file.read_text().splitlines()] == [
        {"prompt": "review 0", "chosen": "lora: fresh 0", "rejected": "few_shot: rotten 0"},
        {"prompt": "review 1", "chosen": "few_shot: rotten 1", "rejected": "lora: fresh 1"},
    ]
    judged_file = tmp_path / "judged.jsonl"
    done = CliRunner().invoke(cli, ["ratings", "reviews", "--export", "judgments", "-o", str(judged_file)])
    assert done.exit_code == 0 and "wrote 6 judgments" in done.output
    rows = [json.loads(line) for line in judged_file.read_text().splitlines()]
    assert [(r["prompt"], r["label"]) for r in rows] == [
        ("review 0", True),
        ("review 0", False),
        ("review 1", False),
        ("review 1", True),
        ("review 3", False),
        ("review 3", False),
    ]


def test_ratings_command_without_ratings(store, tmp_path):
    runner = CliRunner()
    shown = runner.invoke(cli, ["ratings", "reviews"])
    assert shown.exit_code == 0 and "no blind ratings" in shown.output and len(shown.output.strip().splitlines()) == 1
    target = tmp_path / "pairs.jsonl"
    refused = runner.invoke(cli, ["ratings", "reviews", "--export", "pairs", "-o", str(target)])
    assert refused.exit_code == 1 and "no blind ratings yet" in refused.output and "tunewise studio" in refused.output
    assert not target.exists()
    add_ratings(store, "lora", "few_shot", ["tie"])
    refused = runner.invoke(cli, ["ratings", "reviews", "--export", "pairs", "-o", str(target)])
    assert refused.exit_code == 1 and "nothing written" in refused.output and not target.exists()


def test_ratings_command_refuses_bad_arguments(store):
    runner = CliRunner()
    assert runner.invoke(cli, ["ratings", "reviews", "--export", "pairs"]).exit_code == 2  # no -o
    assert runner.invoke(cli, ["ratings", "reviews", "-o", "x.jsonl"]).exit_code == 2  # -o without --export
    unknown = runner.invoke(cli, ["ratings", "nope"])
    assert unknown.exit_code == 1 and "no experiment named 'nope'" in unknown.output
    helped = runner.invoke(cli, ["ratings", "--help"])
    assert "Bradley" in helped.output and "KTOTrainer" in helped.output
