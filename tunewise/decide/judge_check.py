"""An LLM judge checked against the blind human ratings before anyone trusts it: the judge gives its verdict,
position-swapped, on every pair people rated, and its agreement with them is Cohen's kappa (the human's left /
right / tie, 'both bad' counting as a tie, against the judge's) with a 95% bootstrap interval, beside the raw
agreement and how often the judge's two orders agreed. Below kappa 0.4 (less than "moderate" agreement, Landis &
Koch 1977) the judge is said to be too unreliable to rank methods.

Optionally the judge also compares every pair of methods on the same test inputs, as a rater would: its win rates
and Bradley–Terry ranks, computed exactly as the human ones are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from itertools import combinations

from tunewise.core.stats import cohen_kappa, kappa_interval
from tunewise.decide.human import HumanRatings, first_votes
from tunewise.evaluate.judge import Judge, PairVerdict, position_consistency
from tunewise.evaluate.judge.prompts import pairwise_template
from tunewise.store.schema import Rating

TRUSTED_KAPPA = 0.4
AS_HUMAN = {"left": "left", "right": "right", "tie": "tie", "both_bad": "tie"}  # a human choice, as a verdict
AS_SIDE = {"A": "left", "B": "right", "tie": "tie"}  # the judge's verdict (A: the left answer), as a side
MAX_STORED = 200  # rated pairs whose verdicts the stored check keeps


@dataclass
class JudgeCheckResult:
    model: str
    rubric: str
    ratings: int  # human judgments compared with the judge's
    kappa: float
    low: float  # 95% bootstrap interval of kappa
    high: float
    agreement: float  # share of those judgments where the judge chose as the human did
    consistency: float | None  # share of the pairs asked where both orders gave the same verdict
    mode: str = "logprobs"  # how verdicts were read: options scored by log-likelihood, or a reply parsed
    template: str = ""  # the pairwise prompt, with placeholders
    win_rates: dict | None = None  # the judge's own HumanRatings over test outputs (``as_dict``), when computed
    pairs: list[dict] = field(default_factory=list)  # per rated pair: the human's choice, the judge's, raw verdicts

    @property
    def trusted(self) -> bool:
        return self.kappa >= TRUSTED_KAPPA

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> JudgeCheckResult:
        names = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in names})

    def summary(self) -> str:
        """One line for people: the agreement, how it was reached, and whether to trust the judge."""
        consistent = f", position-consistent {self.consistency:.0%}" if self.consistency is not None else ""
        verdict = (
            "agrees well enough to help rank methods"
            if self.trusted
            else "too low to trust: do not use this judge to rank methods"
        )
        return (
            f"Judge agreement with humans: κ={self.kappa:.2f} [{self.low:.2f}, {self.high:.2f}] on {self.ratings} "
            f"blind ratings (judge {self.model}, rubric {self.rubric}; raw agreement {self.agreement:.0%}"
            f"{consistent}) — {verdict}."
        )


def check_judge(
    judge: Judge, ratings: Sequence[Rating], references: dict[int, str] | None = None, seed: int = 0
) -> JudgeCheckResult | None:
    """The judge against every rater's first vote on each pair; ``references``: test position -> reference answer
    (shown when the rubric uses it). None without a rating."""
    rated = first_votes(ratings)
    if not rated:
        return None
    references = references or {}
    verdicts = _judged_once(judge, rated, references)
    humans = [AS_HUMAN[r.choice] for r in rated]
    judged = [AS_SIDE[verdicts[_key(r)].verdict] for r in rated]
    low, high = kappa_interval(humans, judged, seed=seed)
    return JudgeCheckResult(
        model=judge.backend.name,
        rubric=judge.rubric.name,
        ratings=len(rated),
        kappa=cohen_kappa(humans, judged),
        low=low,
        high=high,
        agreement=sum(h == j for h, j in zip(humans, judged, strict=True)) / len(rated),
        consistency=position_consistency(list(verdicts.values())),
        mode=judge.mode,
        template=pairwise_template(judge.rubric),
        pairs=[_pair_record(r, verdicts[_key(r)]) for r in rated[:MAX_STORED]],
    )


def judge_win_rates(
    judge: Judge, outputs: dict[str, list], examples: int, desc: str = "judge: methods"
) -> HumanRatings | None:
    """The judge as a rater of every pair of methods on their first ``examples`` shared test positions.
    ``outputs``: method id -> its stored test predictions (position, input, target, prediction)."""
    verdicts = []
    for a, b in combinations(sorted(outputs), 2):
        by_position = {row.position: row for row in outputs[b]}
        rows = [(row, by_position[row.position]) for row in outputs[a] if row.position in by_position][:examples]
        if not rows:
            continue
        judged = judge.pairwise(
            [x.input for x, _ in rows], [x.prediction for x, _ in rows], [y.prediction for _, y in rows],
            [x.target for x, _ in rows], desc=f"{desc}: {a} vs {b}",
        )  # fmt: skip
        verdicts += [_as_rating(x.position, a, b, v) for (x, _), v in zip(rows, judged, strict=True)]
    return HumanRatings.from_ratings(verdicts)


def _judged_once(judge: Judge, rated: list[Rating], references: dict[int, str]) -> dict[tuple, PairVerdict]:
    """The judge's verdict on each distinct pair shown (raters who saw the same pair share one verdict)."""
    unique = list({_key(r): r for r in rated}.values())
    verdicts = judge.pairwise(
        [r.prompt for r in unique], [r.left_output for r in unique], [r.right_output for r in unique],
        [references.get(r.position) for r in unique], desc="judge: rated pairs",
    )  # fmt: skip
    return {_key(r): v for r, v in zip(unique, verdicts, strict=True)}


def _key(rating: Rating) -> tuple[str, str, str]:
    return rating.prompt, rating.left_output, rating.right_output


def _pair_record(rating: Rating, verdict: PairVerdict) -> dict:
    return {
        "position": rating.position,
        "left_method": rating.left_method,
        "right_method": rating.right_method,
        "human": rating.choice,
        "judge": AS_SIDE[verdict.verdict],
        "orders": [{"first_shown": o.first_shown, "raw": o.raw, "choice": o.choice} for o in verdict.orders],
    }


def _as_rating(position: int, a: str, b: str, verdict: PairVerdict) -> Rating:
    """The judge's verdict in the shape of a blind rating, so its win rates are computed as people's are."""
    return Rating(rater="judge", position=position, left_method=a, right_method=b, choice=AS_SIDE[verdict.verdict])
