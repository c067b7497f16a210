"""The LLM judge: Cohen's kappa by hand, position swapping that cancels a judge's bias for the first answer,
pointwise scores on the tiny model (options scored by log-likelihood, prompts and raw verdicts kept), an
experiment whose generated answers are judged as a measurement, and `tunewise judge` checking a judge against
blind human ratings."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from scripted_api import ScriptedAPI

from tunewise.cli import cli
from tunewise.core.backend import Work
from tunewise.core.errors import ConfigError
from tunewise.core.record import Measurements
from tunewise.core.stats import cohen_kappa, kappa_interval
from tunewise.decide.judge_check import TRUSTED_KAPPA, JudgeCheckResult
from tunewise.decide.load import decision_for
from tunewise.evaluate.judge import Judge, position_consistency
from tunewise.evaluate.judge.judge import expected_score, parse_score, verdict_mode
from tunewise.evaluate.judge.prompts import pointwise_text
from tunewise.models.api import ApiConfig, load_api
from tunewise.models.packaged import MODELS
from tunewise.report.as_json import decision_as_dict
from tunewise.report.html import render_report
from tunewise.run.config import config_from_data, load_experiment, snapshot
from tunewise.run.experiment import run_experiment
from tunewise.store import Store

# -- Cohen's kappa, computed by hand -----------------------------------------------------------------------------


def test_kappa_of_perfect_agreement_is_one():
    choices = ["left", "right", "tie", "left", "right"]
    assert cohen_kappa(choices, list(choices)) == 1.0


def test_kappa_at_chance_is_zero():
    # Each rater says x half the time; they agree on half the items, exactly what chance predicts: (0.5 - 0.5) / 0.5.
    assert cohen_kappa(["x", "x", "y", "y"], ["x", "y", "x", "y"]) == 0.0
    rng = np.random.default_rng(0)
    a, b = rng.choice(["left", "right", "tie"], 3000), rng.choice(["left", "right", "tie"], 3000)
    assert abs(cohen_kappa(list(a), list(b))) < 0.05  # independent raters


def test_kappa_of_the_textbook_two_by_two_table():
    # 50 items: both yes 20, A yes / B no 5, A no / B yes 10, both no 15. Observed agreement 35/50 = 0.7; A says
    # yes 25/50, B 30/50, so chance is 0.5 * 0.6 + 0.5 * 0.4 = 0.5 and kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4.
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    low, high = kappa_interval(a, b)
    assert 0.1 < low < 0.4 < high < 0.7


def test_kappa_when_both_raters_always_say_the_same_is_no_evidence():
    assert cohen_kappa(["tie"] * 6, ["tie"] * 6) == 0.0  # nothing to agree on beyond chance: not "perfect"
    assert cohen_kappa(["tie"] * 6, ["left", "tie", "right", "tie", "tie", "tie"]) == 0.0
    with pytest.raises(ValueError, match="same items"):
        cohen_kappa(["a"], ["a", "b"])


# -- a scripted judge: its verdict depends on what it is shown ----------------------------------------------------

PAIR = re.compile(r"Answer A:\n(.*?)\n\nAnswer B:\n(.*?)\n\n", re.DOTALL)
SCORED = re.compile(r"Answer to score:\n(.*?)\n\n", re.DOTALL)


def first_shown(first: str, second: str) -> str:
    return "A"  # position bias and nothing else


def longer(first: str, second: str) -> str:
    return "A" if len(first) > len(second) else "B" if len(second) > len(first) else "tie"


class ScriptedJudge:
    """A Backend that reads the judge's prompt back: pairwise it prefers what ``prefer(first, second)`` says,
    pointwise it scores an answer by its word count (capped at 5); it replies with text in ``generate``."""

    name, max_length, bills_tokens = "scripted", 4096, False

    def __init__(self, prefer=longer, reply: str | None = None):
        self.prefer, self.reply, self.work = prefer, reply, Work()
        self.seen: list[str] = []

    def render(self, messages):
        return json.dumps(messages)

    def _verdict(self, prompt: str) -> str:
        text = json.loads(prompt)[-1]["content"]
        self.seen.append(text)
        self.work.read_tokens += len(text.split())
        if pair := PAIR.search(text):
            return self.prefer(*pair.groups())
        return str(min(5, len(SCORED.search(text).group(1).split())))

    def score(self, prompts, candidates, desc=""):
        verdicts = [self._verdict(p) for p in prompts]
        return np.array([[0.0 if c == verdict else -20.0 for c in candidates] for verdict in verdicts])

    def generate(self, prompts, max_new_tokens, stop, desc=""):
        return [self.reply or f"Verdict: {self._verdict(p)}" for p in prompts]

    def count_tokens(self, text):
        return len(text.split())


QUESTIONS = ["q1", "q2", "q3"]
SHORT, LONG = ["no", "yes", "ok"], ["no, not at all", "yes, every time", "ok, but only once"]


def test_a_judge_that_prefers_the_first_answer_is_cancelled_by_swapping():
    backend = ScriptedJudge(first_shown)
    verdicts = Judge(backend, "helpfulness").pairwise(QUESTIONS, SHORT, LONG)
    assert [v.verdict for v in verdicts] == ["tie"] * 3  # "A" both times is A once and B once
    assert position_consistency(verdicts) == 0.0
    first, swapped = verdicts[0].orders
    assert (first.first_shown, first.choice, swapped.first_shown, swapped.choice) == ("A", "A", "B", "B")
    assert first.raw["A"] == 0.0 and swapped.raw["A"] == 0.0  # the raw verdict of each order: "A" both times
    # The second order really showed B first.
    assert PAIR.search(json.loads(swapped.prompt)[0]["content"]).groups() == (LONG[0], SHORT[0])
    assert len(backend.seen) == 6


def test_a_fair_judge_gives_the_same_verdict_in_both_orders():
    judge = Judge(ScriptedJudge(longer), "helpfulness")
    verdicts = judge.pairwise(QUESTIONS, SHORT, LONG)
    assert [v.verdict for v in verdicts] == ["B"] * 3 and position_consistency(verdicts) == 1.0
    assert [v.verdict for v in judge.pairwise(QUESTIONS, LONG, SHORT)] == ["A"] * 3


def test_identical_answers_are_a_tie_without_asking():
    backend = ScriptedJudge(first_shown)
    verdicts = Judge(backend, "helpfulness").pairwise(["q"], ["same answer"], ["same answer "])
    assert verdicts[0].verdict == "tie" and verdicts[0].consistent is None and backend.seen == []
    assert position_consistency(verdicts) is None


def test_a_judge_that_cannot_score_text_parses_its_reply_and_keeps_it():
    class NoLogprobs(ScriptedJudge):
        def label_scoring(self):  # what an API model whose server echoes no logprobs says
            return "generate"

    backend = NoLogprobs(longer)
    judge = Judge(backend, "helpfulness")
    assert verdict_mode(backend) == "generate" and judge.mode == "generate"
    pair = judge.pairwise(["q"], ["short"], ["a much longer answer"])[0]
    assert pair.verdict == "B" and pair.orders[0].raw == "Verdict: B" and pair.orders[1].raw == "Verdict: A"
    point = judge.pointwise(["q"], ["three words here"], ["ref"])[0]
    assert point.score == 3.0 and point.raw == "Verdict: 3"
    assert Judge(NoLogprobs(reply="no idea"), "helpfulness").pointwise(["q"], ["x"])[0].score is None
    assert (parse_score("Score: 4/5", 5), parse_score("7", 5), parse_score("10 of 10", 10)) == (4.0, None, 10.0)


def test_rubrics_by_name_or_own_words_and_misspelt_names_refused():
    backend = ScriptedJudge()
    assert Judge(backend, "style_match").rubric.metric == "judge_style_match"
    own = Judge(backend, "Judge whether the answer is polite.")
    assert own.rubric.metric == "judge_custom" and "polite" in own.pointwise(["q"], ["a"], ["r"])[0].prompt
    with pytest.raises(ValueError, match="unknown rubric 'corectness'; choose one of correctness, helpfulness"):
        Judge(backend, "corectness")
    helpful = pointwise_text(Judge(backend, "helpfulness").rubric, 5, "q", "a", "the reference")
    style = pointwise_text(Judge(backend, "style_match").rubric, 5, "q", "a", "the reference")
    assert "Reference answer:\nthe reference" in helpful and "Reference answer:\nthe reference" in style
    assert helpful.rstrip().endswith("one whole number from 1 to 5.")  # the instruction is last: never cut


def test_an_api_judge_scores_by_echoed_logprobs_or_else_parses_and_keeps_its_reply():
    with ScriptedAPI() as api:
        judge = Judge(load_api(ApiConfig(base_url=api.url, model="scripted"), max_length=512), "correctness")
        (verdict,) = judge.pointwise(["q"], ["a great answer"], ["the reference"])
        assert judge.mode == "logprobs" and set(verdict.raw) == {"1", "2", "3", "4", "5"} and 1 <= verdict.score <= 5
    with ScriptedAPI(completions=False) as api:  # a server without /v1/completions: no logprobs
        judge = Judge(load_api(ApiConfig(base_url=api.url, model="scripted"), max_length=512), "correctness")
        (verdict,) = judge.pointwise(["q"], ["a great answer"], ["the reference"])
        # The scripted server always names a sentiment: no score in it, so none is made up.
        assert judge.mode == "generate" and verdict.raw == "positive" and verdict.score is None
        assert json.loads(verdict.prompt)[0]["content"].endswith("one whole number from 1 to 5.")


# -- pointwise scores on the tiny model ---------------------------------------------------------------------------


def test_pointwise_scores_on_the_tiny_model_are_expected_scores_on_the_scale(tiny_backend):
    judge = Judge(tiny_backend, "correctness")
    questions, answers = ["what is two plus three"] * 3, ["five", "six", "the answer is clever"]
    verdicts = judge.pointwise(questions, answers, ["five"] * 3)
    assert judge.mode == "logprobs"
    for verdict, answer in zip(verdicts, answers, strict=True):
        assert 1.0 <= verdict.score <= 5.0
        assert set(verdict.raw) == {"1", "2", "3", "4", "5"}
        assert verdict.score == pytest.approx(expected_score(list(verdict.raw.values())), abs=1e-3)
        assert f"Reference answer:\nfive\n\nAnswer to score:\n{answer}" in verdict.prompt
        assert verdict.prompt.startswith("<|im_start|>user\n") and verdict.prompt.endswith("<|im_start|>assistant\n")
    assert len({round(v.score, 6) for v in verdicts}) == 3  # the answer moves the score
    again = judge.pointwise(questions, answers, ["five"] * 3)
    assert [v.score for v in again] == [v.score for v in verdicts]  # no sampling: the same every time
    assert expected_score([0.0, -50, -50, -50, -50]) == pytest.approx(1.0)
    assert expected_score([0.0] * 5) == pytest.approx(3.0)


# -- the judge in an experiment ------------------------------------------------------------------------------------

EXPERIMENT = """\
name: judged
data: {{path: {data}}}
task: {{type: generation, target: answer, input: question, instruction: answer the question, max_new_tokens: 4}}
model: {{path: {model}, max_length: 256}}
models: {{critic: {{path: {model}, max_length: 512}}}}
judge: {{model: critic, rubric: correctness, max_examples: 3}}
stability: {{variants: 0}}
forgetting: {{texts: 0}}
methods:
  - method: zero_shot
"""


def test_an_experiment_with_a_judge_stores_its_score_with_an_interval_as_measurement(tmp_path, tiny_model_dir):
    words = ["one", "two", "three", "four", "five", "six"]
    rows = [{"question": f"what is {a} plus {b}", "answer": f"{a} {b}"} for a in words for b in words[:4]]
    data = tmp_path / "sums.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    path = tmp_path / "judged.yaml"
    path.write_text(EXPERIMENT.format(data=data, model=tiny_model_dir))
    store = Store()
    (outcome,) = run_experiment(load_experiment(path), store, log=lambda *_: None)
    assert outcome.status == "completed", outcome
    run = store.run(outcome.run_id)[0]
    score = run.metrics["judge_correctness"]
    assert 1.0 <= score["low"] <= score["value"] <= score["high"] <= 5.0
    assert run.primary_metric == "exact_match"  # the judge is reported beside the task's metric
    judged = run.measured.judge
    assert (judged["model"], judged["rubric"], judged["mode"], judged["examples"]) == (
        tiny_model_dir.name, "correctness", "logprobs", 3,
    )  # fmt: skip
    assert "{input}" in judged["template"] and "{reference}" in judged["template"] and "{output}" in judged["template"]
    test_rows = store.predictions(run.id)
    assert len(judged["verdicts"]) == 3
    for verdict, row in zip(judged["verdicts"], test_rows, strict=False):
        assert (
            f"Question:\n{row.input}" in verdict["prompt"]
            and f"Answer to score:\n{row.prediction}" in verdict["prompt"]
        )
        assert set(verdict["raw"]) == {"1", "2", "3", "4", "5"} and 1 <= verdict["score"] <= 5
    mean = np.mean([v["score"] for v in judged["verdicts"]])
    assert score["value"] == pytest.approx(mean)
    # The judge read tokens, but only to measure: nothing of it is priced with the method's build.
    assert judged["work"]["read_tokens"] > 0 and run.cost["other_work"] == []
    assert decision_for(store, "judged").candidates[0].other_metrics["judge_correctness"] == score["value"]
    shown = CliRunner().invoke(cli, ["show", str(run.id)])
    assert "judge_correctness" in shown.output and "scored the first 3 test answers on correctness" in shown.output


def judge_data(**judge) -> dict:
    return {
        "name": "e",
        "data": {"path": "x.jsonl"},
        "task": {"type": "generation", "target": "answer"},
        "models": {"critic": {"name": MODELS.names()[0]}},
        "judge": judge,
        "methods": [{"method": "zero_shot"}],
    }


def test_a_bad_judge_is_a_config_error_naming_what_is_allowed():
    with pytest.raises(ConfigError) as bad_model:
        config_from_data(judge_data(model="nope"), "test")
    message = str(bad_model.value)
    assert "judge.model: no model 'nope'" in message and "critic" in message and MODELS.names()[0] in message
    with pytest.raises(ConfigError, match="judge.rubric: unknown rubric 'corectness'"):
        config_from_data(judge_data(rubric="corectness"), "test")
    with pytest.raises(ConfigError, match="judge.max_examples: must be between 1"):
        config_from_data(judge_data(max_examples=0), "test")
    classification = judge_data() | {"task": {"target": "label", "labels": ["a", "b"]}}
    with pytest.raises(ConfigError, match="judge scores generated answers"):
        config_from_data(classification, "test")
    config = config_from_data(judge_data(model="critic"), "test")
    assert (config.judge.model, config.judge.rubric, config.judge.metric) == (
        "critic",
        "correctness",
        "judge_correctness",
    )
    assert config_from_data(judge_data() | {"judge": None}, "test").judge is None


# -- `tunewise judge` against blind human ratings ------------------------------------------------------------------

ANSWERS = {  # method -> its test answers; few_shot's are always the longer ones
    "zero_shot": ["no", "yes", "maybe", "four", "ten", "red"],
    "few_shot": [
        "no, not today",
        "yes, every day",
        "maybe, if it rains",
        "four or five",
        "ten, I think",
        "red, dark red",
    ],
}


def rated_store(tmp_path, tiny_model_dir, choices: list[str]) -> Store:
    """Two completed runs with known test answers and one rater's choice on each test position."""
    config = config_from_data(
        {
            "name": "chat",
            "data": {"path": str(tmp_path / "chat.jsonl")},
            "task": {"type": "generation", "target": "answer"},
            "model": {"path": str(tiny_model_dir), "max_length": 512},
            "methods": [{"method": "zero_shot"}, {"method": "few_shot"}],
        },
        "test",
    )
    store = Store()
    experiment_id = store.experiment("chat", snapshot(config))
    runs = {method: store_run(store, experiment_id, method, answers) for method, answers in ANSWERS.items()}
    for position, choice in enumerate(choices):
        left, right = ("zero_shot", "few_shot") if position % 2 else ("few_shot", "zero_shot")  # sides vary
        store.ratings.add(
            experiment="chat", rater="ann", position=position, prompt=f"question {position}",
            left_run=runs[left], right_run=runs[right], left_method=left, right_method=right,
            left_output=ANSWERS[left][position], right_output=ANSWERS[right][position], choice=choice,
        )  # fmt: skip
    return store


def store_run(store: Store, experiment_id: int, method_id: str, answers: list[str]) -> int:
    run_id = store.start_run(
        experiment_id, method_id=method_id, method=method_id, config={}, fingerprint=method_id,
        environment={}, code_version="test", split_sizes={"test": len(answers)},
    )  # fmt: skip
    store.finish_run(
        run_id,
        metrics={"exact_match": {"value": 0.5, "low": 0.2, "high": 0.8}},
        primary="exact_match",
        measurements=Measurements(),
        cost={"train_seconds": 0.0, "seconds_per_example": 0.01, "prompt_tokens_per_request": 10,
              "trainable_params": 0, "artifact_bytes": 10},
        details={},
        artifact_path="/nowhere",
        predictions=[
            {"split": "test", "position": i, "origin": f"chat.jsonl:{i + 1}", "input": f"question {i}",
             "target": "reference", "prediction": answer, "correct": False, "detail": {}}
            for i, answer in enumerate(answers)
        ],
    )  # fmt: skip
    return run_id


def test_tunewise_judge_says_plainly_when_the_judge_is_too_unreliable(tmp_path, tiny_model_dir):
    # The rater found every pair equally good or bad: whatever the tiny model says, it agrees no better than chance.
    store = rated_store(tmp_path, tiny_model_dir, ["tie", "both_bad", "tie", "both_bad", "tie", "tie"])
    done = CliRunner().invoke(cli, ["judge", "chat", "--examples", "0"])
    assert done.exit_code == 0, done.output
    assert "kappa 0.00 [0.00, 0.00] (95% bootstrap) on 6 ratings" in done.output
    assert "too low to trust: do not use this judge to rank methods" in done.output
    checked = JudgeCheckResult.from_dict(store.judge_checks.latest("chat").result)
    assert (checked.kappa, checked.ratings, checked.model, checked.rubric) == (
        0.0,
        6,
        tiny_model_dir.name,
        "helpfulness",
    )
    assert not checked.trusted and len(checked.pairs) == 6
    assert all(len(pair["orders"]) == 2 and pair["human"] in ("tie", "both_bad") for pair in checked.pairs)
    assert checked.win_rates is None  # --examples 0
    compared = CliRunner().invoke(cli, ["compare", "chat"])
    assert compared.exit_code == 0, compared.output
    assert "Judge agreement with humans: κ=0.00 [0.00, 0.00] on 6 blind ratings" in compared.output
    assert "too low to trust" in " ".join(decision_for(store, "chat").caveats)


def test_tunewise_judge_agreeing_with_the_raters_is_trusted_and_ranks_methods(tmp_path, tiny_model_dir, monkeypatch):
    # The rater always preferred the longer answer, on whichever side it was; so does the scripted judge.
    choices = ["left" if position % 2 == 0 else "right" for position in range(6)]
    store = rated_store(tmp_path, tiny_model_dir, choices)
    monkeypatch.setattr("tunewise.cli.judge.load_base", lambda config, seed: ScriptedJudge(longer))
    done = CliRunner().invoke(cli, ["judge", "chat", "--rubric", "correctness", "--examples", "3"])
    assert done.exit_code == 0, done.output
    assert "kappa 1.00" in done.output and "raw agreement 100%" in done.output
    assert "position consistency 100%" in done.output and "too low" not in done.output
    assert "agrees well enough to help rank methods" in done.output
    assert "The judge's own preferences on test answers: 3 comparisons" in done.output
    checked = JudgeCheckResult.from_dict(store.judge_checks.latest("chat").result)
    assert checked.trusted and checked.kappa == 1.0 >= TRUSTED_KAPPA and checked.rubric == "correctness"
    few_shot = next(row for row in checked.win_rates["methods"] if row["method_id"] == "few_shot")
    assert (few_shot["win_rate"], few_shot["rank"], few_shot["comparisons"]) == (1.0, 1, 3)
    assert "Reference answer:\nreference" in checked.template.replace("{reference}", "reference")
    decision = decision_for(store, "chat")
    assert any(r.startswith("Judge agreement with humans: κ=1.00") for r in decision.reasons)
    as_json = decision_as_dict("chat", decision)["judge_check"]
    assert as_json["kappa"] == 1.0 and as_json["trusted"] and "pairs" not in as_json
    assert "Judge agreement with humans: κ=1.00" in render_report(decision, "chat")


def test_tunewise_judge_refuses_an_unknown_model_or_an_experiment_without_ratings(tmp_path, tiny_model_dir):
    store = rated_store(tmp_path, tiny_model_dir, ["left"])
    done = CliRunner().invoke(cli, ["judge", "chat", "--model", "nope"])
    assert done.exit_code == 2 and "no model 'nope'" in done.output and MODELS.names()[0] in done.output
    store.experiment("quiet", snapshot(config_from_data(judge_data(), "test")))
    done = CliRunner().invoke(cli, ["judge", "quiet"])
    assert done.exit_code == 1 and "has no blind ratings to check a judge against" in done.output
