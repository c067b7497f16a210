"""Blind A/B pairs over a store holding three completed runs with known test answers (stored directly, nothing
trained): each pair drawn once per rater, differing answers first, sides shuffled, votes stored as shown, and
tokens that were altered, re-signed or drawn for someone else refused."""

from __future__ import annotations

import base64
import json
import random

import pytest

from tunewise.core.record import Measurements
from tunewise.store import Store
from tunewise.studio.blind import MAX_COMMENT, next_pair, pairs_left, record_vote

SECRET = b"s" * 32
# Method -> its answers at test positions 0-3. Each method pair differs at two positions, agrees at two.
ANSWERS = {
    "zero_shot": ["x", "x", "x", "x"],
    "few_shot": ["x", "y", "x", "y"],
    "lora": ["x", "y", "y", "x"],
}
PAIRS = 3 * 4  # method pairs x positions
DIFFERING = 3 * 2


def store_run(store: Store, experiment_id: int, method_id: str, answers: list[str]) -> int:
    run_id = store.start_run(
        experiment_id, method_id=method_id, method=method_id, config={}, fingerprint=method_id,
        environment={}, code_version="test", split_sizes={"test": len(answers)},
    )  # fmt: skip
    predictions = [
        {
            "split": "test", "position": i, "origin": f"test.jsonl:{i + 1}", "input": f"review {i}",
            "target": "x", "prediction": answer, "correct": answer == "x", "detail": {},
        }
        for i, answer in enumerate(answers)
    ]  # fmt: skip
    store.finish_run(
        run_id, metrics={}, primary="accuracy", measurements=Measurements(), cost={}, details={},
        artifact_path="/nowhere", predictions=predictions,
    )  # fmt: skip
    return run_id


@pytest.fixture
def store() -> Store:
    store = Store()
    experiment_id = store.experiment("reviews", {})
    for method_id, answers in ANSWERS.items():
        store_run(store, experiment_id, method_id, answers)
    return store


def vote(store, pair, choice="tie", rater="ann", comment=None):
    return record_vote(store, "reviews", rater, pair.token, choice, comment, SECRET)


def test_each_pair_comes_once_differing_answers_first_then_none(store):
    rng, seen = random.Random(0), []
    while (pair := next_pair(store, "reviews", "ann", rng, SECRET)) is not None:
        assert pair.remaining == PAIRS - len(seen) == pairs_left(store, "reviews", "ann")
        shown = vote(store, pair)
        seen.append((store.ratings.of("reviews")[-1].position, frozenset((shown.left_method, shown.right_method))))
        assert (pair.left_output != pair.right_output) == (len(seen) <= DIFFERING)
    assert len(seen) == len(set(seen)) == PAIRS and pairs_left(store, "reviews", "ann") == 0
    # Another rater still has every pair to rate.
    assert next_pair(store, "reviews", "bob", rng, SECRET).remaining == PAIRS


def test_sides_are_shuffled_and_a_vote_is_stored_as_it_was_shown(store):
    rng, orders = random.Random(1), set()
    for i in range(40):
        pair = next_pair(store, "reviews", f"rater {i}", rng, SECRET)
        shown = vote(store, pair, "left", f"rater {i}", comment=" too terse ")
        orders.add(shown.left_method < shown.right_method)
        rating = store.ratings.of("reviews")[-1]
        assert (rating.left_run, rating.right_run) == (shown.left_run, shown.right_run)
        assert (rating.left_method, rating.right_method) == (shown.left_method, shown.right_method)
        assert (rating.prompt, rating.left_output, rating.right_output) == (
            pair.prompt, pair.left_output, pair.right_output,
        )  # fmt: skip
        assert rating.left_output == ANSWERS[shown.left_method][rating.position]
        assert rating.right_output == ANSWERS[shown.right_method][rating.position]
        assert (rating.rater, rating.choice, rating.comment, shown.choice) == (
            f"rater {i}",
            "left",
            "too terse",
            "left",
        )
    assert orders == {True, False}


def test_the_page_sees_no_names_before_the_vote(store):
    pair = next_pair(store, "reviews", "ann", random.Random(2), SECRET)
    assert not any(name in repr(pair) for name in ANSWERS)


def test_tokens_that_were_altered_re_signed_or_drawn_for_someone_else_are_refused(store):
    pair = next_pair(store, "reviews", "ann", random.Random(3), SECRET)
    body, signature = pair.token.split(".")
    claim = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    swapped = claim | {"l": claim["rr"], "rr": claim["l"]}
    forged = base64.urlsafe_b64encode(json.dumps(swapped).encode()).rstrip(b"=").decode()
    for token in (f"{forged}.{signature}", f"{body}.{signature[:-2]}AA", "nonsense", "", "a.b.c", None, "x" * 5000):
        with pytest.raises(ValueError, match="not valid"):
            record_vote(store, "reviews", "ann", token, "left", None, SECRET)
    with pytest.raises(ValueError, match="not valid"):
        record_vote(store, "reviews", "ann", pair.token, "left", None, b"another secret of 32 bytes......")
    with pytest.raises(ValueError, match="another rater"):
        record_vote(store, "reviews", "bob", pair.token, "left", None, SECRET)
    with pytest.raises(ValueError, match="another experiment"):
        record_vote(store, "films", "ann", pair.token, "left", None, SECRET)
    assert store.ratings.of("reviews") == []
    vote(store, pair)
    with pytest.raises(ValueError, match="already rated"):
        vote(store, pair)
    assert len(store.ratings.of("reviews")) == 1


@pytest.mark.parametrize(
    ("rater", "choice", "comment", "message"),
    [
        ("ann", "middle", None, "choice must be one of left, right, tie, both_bad"),
        ("ann", "left", "x" * (MAX_COMMENT + 1), "at most 2,000"),
        ("ann", "left", 3, "a comment is text"),
        ("  ", "left", None, "give a rater name"),
        ("a" * 101, "left", None, "at most 100"),
    ],
)
def test_bad_votes_are_refused(store, rater, choice, comment, message):
    pair = next_pair(store, "reviews", "ann", random.Random(4), SECRET)
    with pytest.raises(ValueError, match=message):
        record_vote(store, "reviews", rater, pair.token, choice, comment, SECRET)
    assert store.ratings.of("reviews") == []


def test_fewer_than_two_completed_runs_give_no_pair_and_a_weak_secret_is_refused():
    store = Store()
    store_run(store, store.experiment("alone", {}), "zero_shot", ["x"])
    assert next_pair(store, "alone", "ann", random.Random(0), SECRET) is None
    with pytest.raises(ValueError, match="at least 16 bytes"):
        next_pair(store, "alone", "ann", random.Random(0), "")
