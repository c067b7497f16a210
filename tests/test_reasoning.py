"""Answer extraction, numeric scoring, chain_of_thought and the prompt-search loop on the tiny model."""

import json

import pytest

from tunewise.core.budget import BudgetConfig
from tunewise.core.errors import TunewiseError
from tunewise.data import load_examples, split_examples
from tunewise.evaluate import evaluate, fit_context, validation_score
from tunewise.evaluate.answers import extract_answer
from tunewise.methods import METHODS
from tunewise.methods.prompt_search.proposer import clean_proposal
from tunewise.tasks import Task
from tunewise.tasks.config import TaskConfig
from tunewise.tasks.metrics import METRICS, last_number


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("12 + 3 = 15 apples.\nAnswer: 15", "15"),
        ("First 2*3=6.\nSo the answer is: 6.", "6"),
        ("Answer: 4\nWait, recheck.\nFinal answer: **5**", "5"),
        ("The total is\n#### 70", "70"),
        ("she has 3 left\n42", "42"),
        ("So, the answer is 10.\nThe final answer is", "10"),
        ("", ""),
    ],
)
def test_extract_answer_finds_the_final_answer(text, answer):
    assert extract_answer(text)[0] == answer


def test_extract_answer_keeps_the_reasoning():
    answer, reasoning = extract_answer("Step 1: 2+2=4.\nStep 2: 4*2=8.\nAnswer: 8")
    assert answer == "8" and reasoning == "Step 1: 2+2=4.\nStep 2: 4*2=8."


def test_numeric_match_compares_the_last_number():
    metric = METRICS.get("numeric_match")
    assert metric.per_example and metric.example("It costs $1,234.50", "1234.5")
    assert metric.example("70 students", "70") and not metric.example("7", "70")
    assert not metric.example("no idea", "3") and last_number("-2.5 and .5") == 0.5
    assert metric.compute(["5", "x", "10"], ["5", "5", "10.0"], None) == pytest.approx(2 / 3)


@pytest.fixture
def arithmetic(tmp_path, tiny_backend):
    rows = [{"question": f"what is {a} plus {b}", "answer": str(a + b)} for a in range(1, 7) for b in range(1, 5)]
    path = tmp_path / "sums.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = TaskConfig(
        target="answer",
        input="question",
        type="generation",
        metric="numeric_match",
        instruction="Answer the question.",
        max_new_tokens=6,
    )
    task = Task.from_config(config)
    splits = split_examples(task.prepare(load_examples(path)), 0.25, 0.25, seed=0, stratify=False)
    ctx = fit_context(task, splits, seed=0, budget=BudgetConfig())
    return tiny_backend, task, splits, ctx


def test_chain_of_thought_reasons_then_answers(arithmetic):
    base, task, splits, ctx = arithmetic
    method = METHODS.get("chain_of_thought")
    adapted = method.fit(base, task, splits, method.config_class(max_new_tokens=12), ctx)
    assert "Think step by step" in adapted.prompt("what is 1 plus 1")
    result = evaluate(adapted, task, splits.test[:3])
    assert all("reasoning" in p.detail and p.detail["raw"] for p in result.predictions)
    assert all(p.correct == METRICS.get("numeric_match").example(p.prediction, p.target) for p in result.predictions)


def test_chain_of_thought_refuses_classification(setup):
    _, task, splits, _, _ = setup
    method = METHODS.get("chain_of_thought")
    with pytest.raises(TunewiseError, match="for generation tasks"):
        method.check(method.config_class(), task, splits)


def test_prompt_search_stays_in_budget_and_keeps_the_best(setup):
    base, task, splits, ctx, logged = setup
    method = METHODS.get("prompt_search")
    config = method.config_class(instructions=["Say fresh or rotten."], k=2, proposals=2, max_evaluations=6)
    adapted = method.fit(base, task, splits, config, ctx)
    trace, summary = adapted.details["search"], adapted.details["search_summary"]
    assert 1 <= len(trace) <= 6 == summary["budget"] and summary["evaluations"] == len(trace)
    assert [row["source"] for row in trace[:2]] == ["base", "user"]
    best = max(trace, key=lambda row: (row["validation"], -row["candidate"]))
    assert summary["best_candidate"] == best["candidate"] and adapted.program.instruction == best["instruction"]
    assert validation_score(adapted, task, splits.validation) == pytest.approx(best["validation"])
    assert [name for _, name, _ in logged].count("search_validation") == len(trace)


def test_prompt_search_bootstraps_demos_the_model_got_right(setup):
    base, task, splits, ctx, _ = setup
    method = METHODS.get("prompt_search")
    config = method.config_class(templates=False, k=2, proposals=0, max_evaluations=3)
    adapted = method.fit(base, task, splits, config, ctx)
    sources = [row["source"] for row in adapted.details["search"]]
    assert sources[0] == "base" and adapted.details["search_summary"]["bootstrap_examples"] == 8
    if "bootstrap" in sources:  # only when the tiny model answered some training examples right
        row = adapted.details["search"][sources.index("bootstrap")]
        assert 1 <= row["n_demos"] <= 2


def test_clean_proposal_takes_the_instruction_line():
    assert clean_proposal('Instruction: "Decide if the critic liked the film."\nmore') == (
        "Decide if the critic liked the film."
    )
    assert clean_proposal("  \n") is None and clean_proposal("ok") is None and clean_proposal("x" * 500) is None
