import pytest

from tunewise.core.adapted import Adapted
from tunewise.core.items import Item
from tunewise.core.prompt import PromptProgram
from tunewise.evaluate import evaluate
from tunewise.evaluate.bootstrap import bootstrap_interval
from tunewise.tasks import Task
from tunewise.tasks.config import TaskConfig
from tunewise.tasks.metrics import METRICS, normalize_answer


def test_accuracy_and_macro_f1_on_known_case():
    predictions = ["a", "a", "a", "b"]
    targets = ["a", "a", "b", "b"]
    assert METRICS.get("accuracy").compute(predictions, targets) == 0.75
    # F1(a) = 2*2/(2*2+1+0) = 0.8; F1(b) = 2*1/(2*1+0+1) = 0.667
    assert METRICS.get("macro_f1").compute(predictions, targets, ["a", "b"]) == pytest.approx((0.8 + 2 / 3) / 2)


def test_macro_f1_punishes_always_predicting_the_majority():
    targets = ["a"] * 8 + ["b"] * 2
    assert METRICS.get("accuracy").compute(["a"] * 10, targets) == 0.8
    assert METRICS.get("macro_f1").compute(["a"] * 10, targets, ["a", "b"]) == pytest.approx((16 / 18) / 2)


def test_exact_match_normalises():
    assert normalize_answer("  The Eiffel Tower! ") == "eiffel tower"
    assert METRICS.get("exact_match").compute(["the eiffel tower.", "Paris"], ["Eiffel Tower", "Rome"]) == 0.5


def test_bootstrap_interval_brackets_value_and_narrows_with_more_data():
    accuracy = METRICS.get("accuracy")
    small = bootstrap_interval(accuracy, ["a", "b"] * 10, ["a"] * 20, None)
    large = bootstrap_interval(accuracy, ["a", "b"] * 500, ["a"] * 1000, None)
    assert small[0] < 0.5 < small[1] and large[0] < 0.5 < large[1]
    assert (large[1] - large[0]) < (small[1] - small[0]) / 3
    assert bootstrap_interval(accuracy, ["a"] * 5, ["a"] * 5, None) == (1.0, 1.0)


def test_evaluate_classification_on_tiny_model(tiny_backend):
    task = Task.from_config(TaskConfig(target="label", labels=["fresh", "rotten"], instruction="classify"))
    items = [Item(f"review {i}", "fresh" if i % 2 else "rotten", f"x:{i}") for i in range(6)]
    adapted = Adapted("zero_shot", tiny_backend, PromptProgram(instruction="classify"))
    result = evaluate(adapted, task, items)
    assert {p.prediction for p in result.predictions} <= {"fresh", "rotten"}
    assert set(result.metrics) == {"accuracy", "macro_f1"}
    assert result.metrics["accuracy"].value == sum(p.correct for p in result.predictions) / 6
    assert result.prompt_tokens > 5 and result.cost["seconds_per_example"] > 0
    assert set(result.predictions[0].detail["scores"]) == {"fresh", "rotten"}


def test_evaluate_generation_stops_and_scores(tiny_backend):
    task = Task.from_config(TaskConfig(target="answer", type="generation", max_new_tokens=6, stop=["\n"]))
    items = [Item("what is two plus three", "five", "x:1")]
    result = evaluate(PromptAdapted(tiny_backend), task, items)
    prediction = result.predictions[0]
    assert "\n" not in prediction.prediction
    assert result.metrics["exact_match"].value == float(prediction.correct)


def PromptAdapted(backend):
    return Adapted("zero_shot", backend, PromptProgram())
