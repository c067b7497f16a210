"""Methods built from others: hybrid (prompt search + LoRA), distill (teacher answers + LoRA student), and
QLoRA's refusal on a machine without CUDA."""

import json

import pytest
import torch

from tunewise.core.errors import InputError, TunewiseError
from tunewise.methods import METHODS
from tunewise.methods.distill.teacher import TeacherSettings
from tunewise.methods.hybrid.method import HybridSearch


def test_hybrid_trains_lora_with_the_searched_prompt(setup):
    base, task, splits, ctx, logged = setup
    settings = METHODS.get("hybrid").config_class(
        r=2, epochs=1, batch_size=4, search=HybridSearch(instructions=["is this review positive"], max_evaluations=3)
    )
    adapted = METHODS.get("hybrid").fit(base, task, splits, settings, ctx)
    summary = adapted.details["search_summary"]
    best = adapted.details["search"][summary["best_candidate"]]
    assert adapted.details["prompt_source"] == "prompt_search" and summary["evaluations"] == 3
    assert adapted.program.instruction == best["instruction"]  # trained and served with the winning prompt
    assert adapted.trainable_params > 0 and adapted.details["training"]["steps"] >= 1
    names = {name for _, name, _ in logged}
    assert {"search_validation", "validation", "loss"} <= names


def test_hybrid_with_a_given_prompt_skips_the_search(setup):
    base, task, splits, ctx, _ = setup
    settings = METHODS.get("hybrid").config_class(r=2, epochs=1, batch_size=4, search=None, role="a critic")
    adapted = METHODS.get("hybrid").fit(base, task, splits, settings, ctx)
    assert adapted.details["prompt_source"] == "given" and "search" not in adapted.details
    assert adapted.program.system == "You are a critic."


def test_distill_trains_the_student_on_the_teachers_answers(setup, tmp_path, tiny_model_dir):
    base, task, splits, ctx, _ = setup
    extra = tmp_path / "unlabeled.jsonl"
    extra.write_text("".join(json.dumps({"text": f"an unseen review {i}"}) + "\n" for i in range(5)))
    config = METHODS.get("distill").config_class(
        r=2, epochs=1, batch_size=4, unlabeled=str(extra), teacher=TeacherSettings(path=str(tiny_model_dir), k=2)
    )
    METHODS.get("distill").check(config, task, splits)
    adapted = METHODS.get("distill").fit(base, task, splits, config, ctx)
    teacher = adapted.details["teacher"]
    assert teacher["answered"] == len(splits.train) + 5 and teacher["demos"] == 2
    assert 0 <= teacher["agreement_with_gold"] <= 1 and 0 <= teacher["test"]["accuracy"]["value"] <= 1
    assert teacher["params"] > 0 and teacher["label_seconds"] > 0
    assert teacher["train_inputs"] == len(splits.train) and teacher["unlabeled_inputs"] == 5
    # the student saw teacher answers for train + unlabeled inputs: more training tokens than the train split
    assert adapted.details["training"]["steps"] == -(-(len(splits.train) + 5) // 4)


def test_distill_refuses_a_bad_unlabeled_file_and_teacher_before_loading(setup, tmp_path):
    base, task, splits, _, _ = setup
    bad = tmp_path / "unlabeled.jsonl"
    bad.write_text(json.dumps({"text": "fine"}) + "\n" + json.dumps({"body": "no text field"}) + "\n")
    config = METHODS.get("distill").config_class(unlabeled=str(bad))
    with pytest.raises(InputError, match=r"unlabeled.jsonl:2: field 'text': missing"):
        METHODS.get("distill").check(config, task, splits)
    config = METHODS.get("distill").config_class(teacher=TeacherSettings(path=str(tmp_path)))
    with pytest.raises(InputError, match="teacher.path"):
        METHODS.get("distill").check(config, task, splits)


@pytest.mark.skipif(torch.cuda.is_available(), reason="the refusal is for machines without CUDA")
def test_qlora_is_refused_without_cuda_in_one_line(setup):
    base, task, splits, _, _ = setup
    config = METHODS.get("lora").config_class(quantization="4bit")
    with pytest.raises(TunewiseError, match="needs a CUDA GPU") as error:
        METHODS.get("lora").check(config, task, splits)
    assert "\n" not in str(error.value)


def test_show_prints_a_distilled_runs_teacher(tmp_path, sentiment_jsonl, tiny_model_dir, monkeypatch):
    from click.testing import CliRunner

    from tunewise.cli import cli

    monkeypatch.setenv("COLUMNS", "250")
    path = tmp_path / "distill.yaml"
    path.write_text(
        f"name: d\ndata: {{path: {sentiment_jsonl}, limit: {{test: 6}}}}\n"
        "task: {target: label, input: text}\n"
        f"model: {{path: {tiny_model_dir}, batch_size: 4}}\nbudget: {{max_steps: 2}}\n"
        "stability: {variants: 0}\nforgetting: {texts: 5}\n"
        "methods:\n  - method: distill\n    r: 1\n    teacher: {k: 2}\n"
    )
    result = CliRunner().invoke(cli, ["run", str(path)])
    assert result.exit_code == 0, result.output
    shown = CliRunner().invoke(cli, ["show", "1"]).stdout
    assert "teacher: tiny-model0" in shown and "2 demonstrations" in shown and "on the test split" in shown
