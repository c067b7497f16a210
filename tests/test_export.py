"""`tunewise export`: a merged folder reloaded with plain transformers (no tunewise code) and the exported prompt
program gives the run's own test answers; adapters name their base; GGUF and impossible merges are refused."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner
from transformers import AutoModelForCausalLM, AutoTokenizer

from tunewise.cli import cli
from tunewise.store import Store

EXPERIMENT = """\
name: shipped
data: {{path: {data}}}
task: {{target: label, input: text, instruction: classify the movie review}}
model: {{path: {model}}}
budget: {{max_steps: 3}}
stability: {{variants: 0}}
forgetting: {{texts: 0}}
methods:
  - {{method: zero_shot, role: a film critic}}
  - {{method: few_shot, k: 2}}
  - {{method: lora, r: 2, batch_size: 4}}
  - {{method: prompt_tuning, virtual_tokens: 4, batch_size: 4}}
"""


@pytest.fixture
def runs(tmp_path, sentiment_jsonl, tiny_model_dir):
    path = tmp_path / "shipped.yaml"
    path.write_text(EXPERIMENT.format(data=sentiment_jsonl, model=tiny_model_dir))
    assert CliRunner().invoke(cli, ["run", str(path)]).exit_code == 0
    return {run.method_id: run for run, _ in Store().runs()}


def plain_messages(prompt: dict, text: str) -> list[dict]:
    """The exported prompt program rendered by hand, as a user without tunewise would."""
    lead = " ".join(part for part in (prompt["instruction"], prompt["output_format"]) if part)
    turns = [*prompt["demos"], [text, None]]
    messages = [{"role": "system", "content": prompt["system"]}] if prompt["system"] else []
    for i, (content, answer) in enumerate(turns):
        messages.append(
            {"role": "user", "content": f"{lead}{prompt['separator']}{content}" if i == 0 and lead else content}
        )
        if answer is not None:
            messages.append({"role": "assistant", "content": prompt["verbalizer"].get(answer, answer)})
    return messages


def plain_answer(model, tokenizer, prompt: dict, text: str) -> str:
    rendered = tokenizer.apply_chat_template(plain_messages(prompt, text), tokenize=False, add_generation_prompt=True)
    context = tokenizer(rendered, add_special_tokens=False)["input_ids"]
    scores = {}
    for label in prompt["labels"]:
        word = tokenizer(prompt["verbalizer"].get(label, label), add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            logprobs = model(input_ids=torch.tensor([context + word])).logits[0].log_softmax(-1)
        scores[label] = sum(float(logprobs[len(context) + i - 1, token]) for i, token in enumerate(word))
    return max(scores, key=scores.get)


@pytest.mark.parametrize("method_id", ["zero_shot", "few_shot", "lora"])
def test_a_merged_export_reproduces_the_run_with_plain_transformers(method_id, runs, tmp_path):
    run = runs[method_id]
    folder = tmp_path / f"export-{method_id}"
    result = CliRunner().invoke(cli, ["export", str(run.id), "-o", str(folder)])
    assert result.exit_code == 0, result.output
    model = AutoModelForCausalLM.from_pretrained(folder, use_safetensors=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    prompt = json.loads((folder / "tunewise_prompt.json").read_text())
    stored = Store().predictions(run.id)
    answers = [plain_answer(model, tokenizer, prompt, row.input) for row in stored]
    assert answers == [row.prediction for row in stored]  # every test answer, so the accuracy too
    card = (folder / "MODEL_CARD.md").read_text()
    assert "machine-generated" in card and f"run #{run.id}" in card and "95% CI" in card
    assert not any(folder.glob("*.bin")) and any(folder.glob("*.safetensors"))
    assert all(p.stat().st_mode & 0o044 for p in folder.iterdir())  # shareable, unlike the store


def test_adapters_name_their_base_and_what_cannot_be_exported_is_refused(runs, tmp_path, tiny_model_dir):
    adapter = tmp_path / "adapter"
    assert (
        CliRunner().invoke(cli, ["export", str(runs["lora"].id), "-o", str(adapter), "--format", "adapter"]).exit_code
        == 0
    )
    config = json.loads((adapter / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str(tiny_model_dir) and (adapter / "MODEL_CARD.md").exists()
    soft = CliRunner().invoke(cli, ["export", str(runs["prompt_tuning"].id), "-o", str(tmp_path / "soft")])
    assert soft.exit_code == 1 and "soft prompt, which is not weights" in soft.output
    gguf = CliRunner().invoke(cli, ["export", str(runs["lora"].id), "-o", str(tmp_path / "g"), "--format", "gguf"])
    assert gguf.exit_code == 1 and "no GGUF converter" in gguf.output
    prompt_only = CliRunner().invoke(
        cli, ["export", str(runs["zero_shot"].id), "-o", str(tmp_path / "z"), "--format", "adapter"]
    )
    assert prompt_only.exit_code == 1 and "learned no weights" in prompt_only.output
