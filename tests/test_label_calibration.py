"""Calibrated label scoring: on a model whose label scores carry a strong prior toward one label, raw scoring
answers that label whatever the input and the correction chosen on validation answers right; the correction
lives in the prompt program (round trip, old programs unchanged) and the server applies the very same one."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tunewise.core.backend import Work
from tunewise.core.budget import BudgetConfig
from tunewise.core.errors import ConfigError, TunewiseError
from tunewise.core.items import Item, Splits
from tunewise.core.label_scores import corrected, label_scores
from tunewise.core.prompt import PromptProgram
from tunewise.evaluate import fit_context
from tunewise.evaluate.predict import predict_labels
from tunewise.methods import METHODS
from tunewise.methods.calibration import CalibrationSettings, RememberedScores
from tunewise.methods.few_shot import FewShotConfig
from tunewise.methods.zero_shot import ZeroShotConfig
from tunewise.models.hf import Sampling
from tunewise.run.config import load_experiment
from tunewise.serve.answer import classify
from tunewise.serve.catalog import Served
from tunewise.tasks import Task
from tunewise.tasks.config import TaskConfig

LABELS = ["spam", "ham"]
PRIOR = {"spam": 5.0, "ham": 0.0}  # the model's own liking for the word, whatever the input


class PriorBackend:
    """A fake model whose log-likelihood of a label is its word prior, plus 1 when the prompt mentions the label:
    the input carries the answer, but the prior outweighs it, as raw zero-shot scoring does on real models."""

    name, max_length, bills_tokens = "prior", 512, False

    def __init__(self):
        self.work, self.scored = Work(), 0

    def render(self, messages):
        return "\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\nassistant:"

    def score(self, prompts, candidates, desc=""):
        self.scored += len(prompts)
        return np.array([[PRIOR.get(c, 0.0) + (c in p) for c in candidates] for p in prompts])

    def generate(self, prompts, max_new_tokens, stop, desc=""):
        return ["spam" for _ in prompts]

    def text_log_likelihood(self, texts, desc=""):
        return -1.0, 1

    def count_tokens(self, text):
        return len(text.split())

    def parameter_count(self):
        return 1_000


def items(n: int, start: int = 0) -> list[Item]:
    """Alternating labels; each input names its label among other words."""
    return [Item(f"message {i}: {LABELS[i % 2]} offer", LABELS[i % 2], f"data:{i}") for i in range(start, start + n)]


@pytest.fixture
def case():
    task = Task.from_config(TaskConfig(target="label", input="text", labels=LABELS, instruction="Which kind?"))
    splits = Splits(items(20), items(10, 100), items(12, 200))
    return PriorBackend(), task, splits, fit_context(task, splits, seed=0, budget=BudgetConfig())


def fit(case, config):
    base, task, splits, ctx = case
    method = METHODS.get("zero_shot" if isinstance(config, ZeroShotConfig) else "few_shot")
    method.check(config, task, splits)
    return method.fit(base, task, splits, config, ctx)


def test_raw_scores_answer_the_prior_and_the_correction_chosen_on_validation_answers_right(case):
    base, task, splits, ctx = case
    raw = fit(case, ZeroShotConfig())
    calibrated = fit(case, ZeroShotConfig(calibration="auto"))

    raw_eval = ctx.evaluate(raw, splits.test, intervals=False)
    assert {p.prediction for p in raw_eval.predictions} == {"spam"}  # the prior wins on every input
    assert raw_eval.score == pytest.approx(0.5)
    assert ctx.evaluate(calibrated, splits.test, intervals=False).score == 1.0

    chosen = calibrated.details["calibration"]
    assert chosen["setting"] == "auto" and chosen["chosen"] == "contextual"  # the simplest that reaches 1.0
    assert chosen["validation"]["off"] == pytest.approx(0.5) and chosen["validation"]["contextual"] == 1.0
    assert len(chosen["validation"]) == 8  # every combination was scored on validation
    # The content-free inputs name no label, so the prior measured is the model's own: softmax of PRIOR.
    assert chosen["content_free_prior"]["spam"] == pytest.approx(1 / (1 + math.exp(-5.0)))
    assert "calibration" not in raw.details and raw.program.score_bias == {}


def test_choosing_on_validation_reads_the_validation_prompts_once(case):
    base, task, splits, ctx = case
    fit(case, ZeroShotConfig(calibration="auto"))
    # 8 corrections compared, 3 content-free prompts per scoring (raw and per token), validation scored once.
    assert base.scored == len(splits.validation) + 2 * 3


def test_the_prior_option_adds_the_log_of_the_training_label_frequencies(case):
    base, task, splits, ctx = case
    splits.train = splits.train[1:] + [Item("one more ham", "ham", "data:x")]  # 9 spam, 11 ham
    adapted = fit(case, FewShotConfig(k=2, calibration="prior"))
    assert adapted.program.score_bias == pytest.approx({"spam": math.log(10 / 22), "ham": math.log(12 / 22)})
    assert adapted.details["calibration"]["validation"] == {}  # one option: nothing to choose between
    assert adapted.program.demos  # the demonstrations are kept; the correction comes after them


def test_the_correction_survives_the_artifact_and_old_programs_load_uncorrected(case, tmp_path):
    base, task, splits, ctx = case
    adapted = fit(case, ZeroShotConfig(calibration="contextual"))
    stored = adapted.program.to_dict()
    assert stored["score_bias"] == adapted.program.score_bias and stored["score_bias"]
    assert PromptProgram.from_dict(stored).score_bias == pytest.approx(adapted.program.score_bias)

    adapted.save(tmp_path / "artifact")
    reloaded = METHODS.get("zero_shot").load(base, task, tmp_path / "artifact")
    assert reloaded.program.to_dict() == stored
    before, after = (ctx.evaluate(a, splits.test, intervals=False) for a in (adapted, reloaded))
    assert [p.prediction for p in after.predictions] == [p.prediction for p in before.predictions]
    assert after.score == 1.0
    assert METHODS.get("zero_shot").summary(reloaded.details)[0].title.startswith("calibration (contextual)")

    old = {k: v for k, v in stored.items() if k not in ("score_bias", "score_per_token")}
    program = PromptProgram.from_dict(old)
    assert program.score_bias == {} and program.score_per_token is False


def test_per_token_scores_divide_by_the_answer_length_before_the_bias():
    program = PromptProgram(score_per_token=True, score_bias={"b": 1.0})
    raw = np.array([[-4.0, -6.0]])
    assert corrected(program, ["a", "b"], raw, [2, 3]).tolist() == [[-2.0, -1.0]]
    assert raw.tolist() == [[-4.0, -6.0]]  # the caller's (possibly remembered) scores are left as they were
    assert corrected(PromptProgram(), ["a", "b"], raw).tolist() == raw.tolist()


def test_the_server_answers_with_the_same_corrected_scores_as_evaluation(case):
    base, task, splits, ctx = case
    adapted = fit(case, ZeroShotConfig(calibration="auto"))
    prompts = [adapted.prompt(item.input) for item in splits.test]
    measured = predict_labels(adapted, task, splits.test, prompts, desc="")
    served = Served("x/zero_shot", 1, "x", "zero_shot", adapted, task)
    answers = classify(served, prompts, Sampling(), n=1, top=None)

    assert [a[0].text for a in answers] == [p.prediction for p in measured]
    assert {a[0].text for a in answers} == set(LABELS)  # corrected: not the prior's label every time
    scores = label_scores(adapted.backend, adapted.program, LABELS, prompts)
    for row, answer in zip(scores, answers, strict=True):
        logprobs = {e["token"]: e["logprob"] for e in answer[0].logprobs[0]["top_logprobs"]}
        assert logprobs == pytest.approx(dict(zip(LABELS, row, strict=True)))


def test_remembered_scores_delegate_everything_else():
    backend = PriorBackend()
    remembered = RememberedScores(backend)
    first = remembered.score(["a spam"], LABELS)
    assert remembered.score(["a spam"], LABELS) is first and backend.scored == 1
    assert remembered.count_tokens("two words") == 2 and remembered.work is backend.work


def test_a_wrong_calibration_names_the_allowed_values(tmp_path):
    path = tmp_path / "x.yaml"
    body = "name: x\ndata: {path: d.jsonl}\ntask: {target: label}\nmethods:\n  - {method: zero_shot, calibration: %s}\n"
    path.write_text(body % "contxtual")
    with pytest.raises(ConfigError) as wrong:
        load_experiment(path)
    assert "off, contextual, length, prior, auto" in str(wrong.value) and "contxtual" in str(wrong.value)
    path.write_text(body % "off")  # YAML reads a bare off as false: the message says to quote it
    with pytest.raises(ConfigError, match="quote it"):
        load_experiment(path)
    with pytest.raises(ValueError, match="choose one of"):
        CalibrationSettings(calibration="on")


def test_calibration_is_refused_where_no_labels_are_scored(case):
    base, task, splits, ctx = case
    generation = Task.from_config(TaskConfig(target="answer", input="q", type="generation"))
    with pytest.raises(TunewiseError, match="classification"):
        METHODS.get("zero_shot").check(ZeroShotConfig(calibration="length"), generation, splits)
    with pytest.raises(TunewiseError, match="validation split"):
        METHODS.get("zero_shot").check(ZeroShotConfig(calibration="auto"), task, Splits(splits.train, [], splits.test))
    METHODS.get("zero_shot").check(ZeroShotConfig(calibration="contextual"), task, Splits(splits.train, [], []))
