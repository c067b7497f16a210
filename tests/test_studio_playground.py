"""The studio's playground: one conversation put to several real completed runs of the tiny model (zero_shot and
few_shot, made by a real experiment run) and to the experiment's base model, answered exactly as serve answers,
with one bad run never breaking the others, input refused before anything loads, and runs loaded once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tunewise.models.hf import Sampling
from tunewise.run.config import load_experiment
from tunewise.run.experiment import run_experiment
from tunewise.serve import answer
from tunewise.serve.catalog import served_runs
from tunewise.serve.schema import Message
from tunewise.store import Store
from tunewise.studio.playground import MAX_CONTENT, MAX_RUNS, Playground

EXPERIMENT = """\
name: playground
data: {{path: {data}}}
task: {{target: label, input: text, instruction: classify the movie review}}
model: {{path: {model}}}
stability: {{variants: 0}}
forgetting: {{texts: 0}}
methods:
  - method: zero_shot
  - {{method: few_shot, k: 2}}
"""
ASK = [{"role": "user", "content": "a great film with a wonderful cast"}]


@pytest.fixture(scope="module")
def stored(tmp_path_factory, tiny_model_dir):
    """(store URL, {method id: run id}, failed run id): made once, in a home of this module's own."""
    root = tmp_path_factory.mktemp("playground")
    rows = [
        ("a great film", "fresh"),
        ("superb acting", "fresh"),
        ("a dull mess", "rotten"),
        ("far too long", "rotten"),
    ]
    data = root / "reviews.jsonl"
    data.write_text("".join(f'{{"text": "{t} number {i}", "label": "{y}"}}\n' for i in range(6) for t, y in rows))
    path = root / "playground.yaml"
    path.write_text(EXPERIMENT.format(data=data, model=tiny_model_dir))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TUNEWISE_HOME", str(root / "home"))
        env.delenv("TUNEWISE_DB_URL", raising=False)
        store = Store()
        outcomes = run_experiment(load_experiment(path), store, log=lambda *_: None)
        assert [o.status for o in outcomes] == ["completed", "completed"], outcomes
        runs = {o.method_id: o.run_id for o in outcomes}
        experiment_id = store.experiment("playground", store.experiment_config("playground"))
        failed = store.start_run(
            experiment_id, method_id="lora", method="lora", config={}, fingerprint="x", environment={},
            code_version="test", split_sizes={},
        )  # fmt: skip
        store.fail_run(failed, "out of memory")
        return store.url, runs, failed


@pytest.fixture
def playground(stored):
    return Playground(Store(stored[0]))


def test_two_runs_answer_the_same_message_with_the_label_scores_serve_gives(stored, playground):
    url, runs, _ = stored
    ids = [runs["zero_shot"], str(runs["few_shot"])]
    answers = playground.ask(ids, ASK)
    assert [a.asked for a in answers] == [str(runs["zero_shot"]), str(runs["few_shot"])]
    for got, run_id in zip(answers, runs.values(), strict=True):
        (served,) = served_runs(Store(url), str(run_id))
        prompt = answer.chat_prompt(served, [Message(**ASK[0])], answer.reserve(served, None))
        (choice,) = answer.classify(served, [prompt], Sampling(0.0, 1.0, 0), 1, None)[0]
        expected = {alt["token"]: alt["logprob"] for alt in choice.logprobs[0]["top_logprobs"]}
        assert got.error is None and got.text == choice.text in {"fresh", "rotten"}
        assert got.label_scores == expected and list(got.label_scores)[0] == got.text  # likeliest first
        assert (got.run_id, got.model_id, got.method) == (run_id, served.model_id, served.method)
        assert got.seconds > 0 and got.load_seconds > 0


def test_the_experiments_base_model_answers_as_serve_model_would(playground):
    (base,) = playground.ask(["base:playground"], ASK + [{"role": "assistant", "content": "fresh"}] + ASK)
    assert base.error is None and isinstance(base.text, str)
    assert (base.run_id, base.model_id, base.method, base.label_scores) == (None, "playground/base", "base", None)
    (missing,) = playground.ask(["base:nowhere"], ASK)
    assert missing.text is None and "no experiment named 'nowhere'" in missing.error


def test_a_run_that_cannot_answer_gets_its_error_and_the_others_still_answer(stored, playground):
    _, runs, failed = stored
    bad, unknown, good, nonsense = playground.ask([failed, 9999, runs["zero_shot"], "banana"], ASK)
    assert bad.text is None and f"run #{failed} is failed" in bad.error and bad.run_id == failed
    assert unknown.text is None and "no run #9999" in unknown.error
    assert nonsense.text is None and "neither a run id nor base:<experiment>" in nonsense.error
    assert good.error is None and good.text in {"fresh", "rotten"}
    assert playground.loaded() == [str(runs["zero_shot"])]  # errors are not kept: a fixed run loads next time


@pytest.mark.parametrize(
    ("ids", "messages", "temperature", "message"),
    [
        ([1], [], 0.0, "write a message"),
        ([1], [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}], 0.0, "last message must"),
        ([1], [{"role": "user", "content": "   "}], 0.0, "last message is empty"),
        ([1], [{"role": "user", "content": "x" * (MAX_CONTENT + 1)}], 0.0, "characters; at most"),
        ([1], [{"role": "tool", "content": "x"}], 0.0, "role must be one of"),
        ([1], [{"role": "user", "content": "x", "name": "me"}], 0.0, "expected {role, content}"),
        ([1], [{"role": "user", "content": 3}], 0.0, "content must be text"),
        (list(range(1, MAX_RUNS + 2)), ASK, 0.0, f"at most {MAX_RUNS} at once"),
        ([], ASK, 0.0, "choose at least one run"),
        ([1, "1"], ASK, 0.0, "chosen more than once"),
        ([True], ASK, 0.0, "a run id is a number"),
        ([1], ASK, 2.5, "temperature must be between"),
        ([1], ASK, float("nan"), "temperature must be between"),
    ],
)
def test_bad_input_is_refused_before_anything_loads(playground, ids, messages, temperature, message):
    with pytest.raises(ValueError, match=message):
        playground.ask(ids, messages, temperature)
    assert not playground.loads


def test_runs_are_loaded_once_and_the_least_recently_asked_is_dropped(stored):
    url, runs, _ = stored
    zero, few = str(runs["zero_shot"]), str(runs["few_shot"])
    playground = Playground(Store(url), capacity=1)
    with ThreadPoolExecutor(4) as pool:  # four requests at once for one run: one load
        answers = list(pool.map(lambda _: playground.ask([zero], ASK)[0], range(4)))
    assert all(a.error is None for a in answers) and playground.loads == {zero: 1}
    assert sum(a.load_seconds > 0 for a in answers) >= 1
    playground.ask([zero], ASK, temperature=1.0, seed=3)
    assert playground.loads == {zero: 1}
    playground.ask([few], ASK)  # over capacity: zero_shot dropped
    assert playground.loaded() == [few]
    playground.ask([zero], ASK)
    assert playground.loads == {zero: 2, few: 1}
