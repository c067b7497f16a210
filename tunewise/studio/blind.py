"""Blind A/B ratings: two methods' stored test answers to one input, side by side in a random order, their names
hidden until the vote.

A pair is one test position and two methods (their entry ids) of an experiment's latest completed runs; a rater
rates each pair once. The page gets an opaque token naming the pair as shown (experiment, rater, position, left
run, right run), signed with HMAC-SHA256 under the server's secret, so a client can neither choose which runs it
rates nor swap sides; the vote stores the prompt and outputs read back from the store, never from the client.
Tokens carry no expiry: a pair stays valid while its runs do. A second vote by the same rater on the same pair
(through the same token or another) is refused. Two votes submitted at the same instant could both pass that
check; the cost is one duplicate rating, which readers of ratings can drop."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import random
from dataclasses import dataclass

from tunewise.store import Store
from tunewise.store.ratings import CHOICES
from tunewise.store.schema import PredictionRow, Run

TOKEN_VERSION = 1
SIGNED_AS = b"tunewise-studio-blind-pair."  # keeps these signatures apart from anything else signed with the key
MAX_TOKEN = 2000
MAX_RATER = 100
MAX_COMMENT = 2000
NOT_A_PAIR = "this vote's pair token is not valid (altered, or issued by another server); draw a new pair"


@dataclass(frozen=True)
class Pair:
    """What the page shows before the vote: no run or method names."""

    token: str
    prompt: str
    left_output: str
    right_output: str
    remaining: int  # pairs this rater has not rated yet, this one included


@dataclass(frozen=True)
class Revealed:
    """What the page shows after the vote."""

    rating_id: int
    left_method: str
    right_method: str
    left_run: int
    right_run: int
    choice: str


@dataclass(frozen=True)
class _Candidate:
    position: int
    first: Run
    second: Run
    prompt: str
    outputs: dict[int, str]  # run id -> its answer

    @property
    def differ(self) -> bool:
        first, second = self.outputs.values()
        return first.strip() != second.strip()


def next_pair(store: Store, experiment: str, rater: str, rng: random.Random, secret: bytes | str) -> Pair | None:
    """A pair this rater has not rated, in a random order; one whose outputs differ while any is left (identical
    answers teach nothing). None when every pair is rated or fewer than two methods have completed runs."""
    rater, key = checked_rater(rater), _key(secret)
    candidates = _candidates(store, experiment, rater)
    if not candidates:
        return None
    chosen = rng.choice([c for c in candidates if c.differ] or candidates)
    left, right = (chosen.first, chosen.second) if rng.random() < 0.5 else (chosen.second, chosen.first)
    claim = {"v": TOKEN_VERSION, "e": experiment, "r": rater, "p": chosen.position, "l": left.id, "rr": right.id}
    token = _sign(claim, key)
    return Pair(token, chosen.prompt, chosen.outputs[left.id], chosen.outputs[right.id], len(candidates))


def pairs_left(store: Store, experiment: str, rater: str) -> int:
    """How many pairs this rater has not rated yet."""
    return len(_candidates(store, experiment, checked_rater(rater)))


def record_vote(
    store: Store, experiment: str, rater: str, token: str, choice: str, comment: str | None, secret: bytes | str
) -> Revealed:
    """Store the rater's vote on the pair ``token`` names, in the order it was shown, and reveal the methods.
    ValueError for a token that is not one of ours, a choice, comment or rater out of bounds, or a second vote."""
    rater, key = checked_rater(rater), _key(secret)
    if choice not in CHOICES:
        raise ValueError(f"choice must be one of {', '.join(CHOICES)}, got {str(choice)[:40]!r}")
    comment = checked_comment(comment)
    claim = _verified(token, key)
    if claim["e"] != experiment:
        raise ValueError("this pair belongs to another experiment; draw a new pair")
    if claim["r"] != rater:
        raise ValueError("this pair was drawn for another rater; draw a new pair")
    position = claim["p"]
    left, right = _run_in(store, experiment, claim["l"]), _run_in(store, experiment, claim["rr"])
    if (position, frozenset((left.method_id, right.method_id))) in _rated(store, experiment, rater):
        raise ValueError(f"{rater} has already rated this pair")
    left_answer, right_answer = _answer_at(store, left, position), _answer_at(store, right, position)
    rating_id = store.ratings.add(
        experiment=experiment, rater=rater, position=position, prompt=left_answer.input, left_run=left.id,
        right_run=right.id, left_method=left.method_id, right_method=right.method_id,
        left_output=left_answer.prediction, right_output=right_answer.prediction, choice=choice, comment=comment,
    )  # fmt: skip
    return Revealed(rating_id, left.method_id, right.method_id, left.id, right.id, choice)


def checked_rater(rater) -> str:
    name = rater.strip() if isinstance(rater, str) else ""
    if not name:
        raise ValueError("give a rater name (who is voting), so each person rates each pair once")
    if len(name) > MAX_RATER:
        raise ValueError(f"the rater name is {len(name)} characters; at most {MAX_RATER}")
    return name


def checked_comment(comment) -> str | None:
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise ValueError(f"a comment is text, got {type(comment).__name__}")
    if len(comment) > MAX_COMMENT:
        raise ValueError(f"the comment is {len(comment):,} characters; at most {MAX_COMMENT:,}")
    return comment.strip() or None


def _candidates(store: Store, experiment: str, rater: str) -> list[_Candidate]:
    """Every (position, method pair) of the latest completed runs this rater has not rated, where both runs
    answered the same input (a rerun on other data can put other inputs at a position)."""
    runs = store.latest_completed(experiment)
    answers = {run.id: {row.position: row for row in store.predictions(run.id)} for run in runs}
    rated = _rated(store, experiment, rater)
    found = []
    for first, second in itertools.combinations(runs, 2):
        methods = frozenset((first.method_id, second.method_id))
        ours, theirs = answers[first.id], answers[second.id]
        for position in sorted(ours.keys() & theirs.keys()):
            a, b = ours[position], theirs[position]
            if a.input == b.input and (position, methods) not in rated:
                found.append(
                    _Candidate(position, first, second, a.input, {first.id: a.prediction, second.id: b.prediction})
                )
    return found


def _rated(store: Store, experiment: str, rater: str) -> set[tuple[int, frozenset[str]]]:
    return {
        (r.position, frozenset((r.left_method, r.right_method)))
        for r in store.ratings.of(experiment)
        if r.rater == rater
    }


def _run_in(store: Store, experiment: str, run_id: int) -> Run:
    run, name = store.run(run_id)
    if name != experiment or run.status != "completed":
        raise ValueError(f"run #{run_id} is no completed run of {experiment}; draw a new pair")
    return run


def _answer_at(store: Store, run: Run, position: int) -> PredictionRow:
    row = next((row for row in store.predictions(run.id) if row.position == position), None)
    if row is None:
        raise ValueError(f"run #{run.id} has no test answer at position {position}; draw a new pair")
    return row


def _key(secret: bytes | str) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    if not isinstance(key, bytes) or len(key) < 16:  # a short or empty key makes tokens guessable
        raise ValueError("the signing secret must be at least 16 bytes")
    return key


def _sign(claim: dict, key: bytes) -> str:
    body = _b64(json.dumps(claim, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(_mac(body, key))}"


def _mac(body: str, key: bytes) -> bytes:
    return hmac.new(key, SIGNED_AS + body.encode(), hashlib.sha256).digest()


def _verified(token, key: bytes) -> dict:
    """The claim a token carries, once its signature is ours and its fields are whole."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN or token.count(".") != 1:
        raise ValueError(NOT_A_PAIR)
    body, signature = token.split(".")
    if not token.isascii() or not hmac.compare_digest(_b64(_mac(body, key)).encode(), signature.encode()):
        raise ValueError(NOT_A_PAIR)
    try:
        claim = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:  # binascii.Error, UnicodeDecodeError and JSONDecodeError all are
        raise ValueError(NOT_A_PAIR) from None
    if not isinstance(claim, dict) or claim.get("v") != TOKEN_VERSION:
        raise ValueError("this pair was drawn by an older version of the studio; draw a new pair")
    if not _whole(claim):
        raise ValueError(NOT_A_PAIR)
    return claim


def _whole(claim: dict) -> bool:
    texts = all(isinstance(claim.get(k), str) for k in ("e", "r"))
    numbers = all(isinstance(claim.get(k), int) and not isinstance(claim.get(k), bool) for k in ("p", "l", "rr"))
    return texts and numbers and claim["l"] != claim["rr"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
