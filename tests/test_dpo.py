"""dpo: a LoRA adapter tuned with TRL on ratings, from preference pairs (DPO) or single judgments (KTO), starting
from the base or from another method's adapter; the ratings file is checked line by line before any model loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tokenizers.processors import TemplateProcessing
from transformers import AutoTokenizer

from tunewise.core.adapted import Adapted
from tunewise.core.errors import ConfigError, InputError, TunewiseError
from tunewise.methods import METHODS
from tunewise.methods.dpo import DpoSettings
from tunewise.methods.dpo.margin import preference_margin
from tunewise.methods.dpo.preferences import read_preferences
from tunewise.methods.dpo.train import _added_prefix
from tunewise.models import load_base
from tunewise.models.config import ModelConfig
from tunewise.run.config import load_experiment
from tunewise.run.experiment import run_experiment, run_fingerprint
from tunewise.run.prepare import prepare
from tunewise.store import Store
from tunewise.tasks import Task
from tunewise.tasks.config import TaskConfig

SMALL = {"r": 2, "batch_size": 4, "learning_rate": 5e-3}


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return str(path)


def other_label(label):
    return "rotten" if label == "fresh" else "fresh"


def label_pairs(items):
    """Pairs preferring each input's own label word to the other one."""
    return [{"prompt": item.input, "chosen": item.target, "rejected": other_label(item.target)} for item in items]


def test_dpo_on_pairs_widens_the_margin_between_chosen_and_rejected(setup, tmp_path):
    base, task, splits, ctx, logged = setup
    pairs = write_jsonl(tmp_path / "pairs.jsonl", label_pairs(splits.train[:16]))
    method, config = METHODS.get("dpo"), DpoSettings(pairs=pairs, epochs=3, **SMALL)
    method.check(config, task, splits)
    adapted = method.fit(base, task, splits, config, ctx)
    margin = adapted.details["margin"]
    assert margin["before"]["margin"] < margin["after"]["margin"]
    assert adapted.details["preferences"] == {"file": pairs, "loss": "dpo", "rows": 16, "beta": 0.1}
    assert 0 <= adapted.details["test"]["p_value"] <= 1
    assert any(name == "rewards/margins" for _, name, _ in logged)  # TRL's own metrics reach the store


def label_judgments(items):
    """Each input's own label word judged good, the other bad (as a 'left/right' rating exports them)."""
    rows = []
    for item in items:
        rows += [
            {"prompt": item.input, "completion": item.target, "label": True},
            {"prompt": item.input, "completion": other_label(item.target), "label": False},
        ]
    return rows


def test_kto_on_judgments_raises_the_good_answers_likelihood(setup, tmp_path):
    base, task, splits, ctx, _ = setup
    judgments = write_jsonl(tmp_path / "judgments.jsonl", label_judgments(splits.train[:12]))
    method, config = METHODS.get("dpo"), DpoSettings(pairs=judgments, epochs=2, **SMALL)
    method.check(config, task, splits)
    adapted = method.fit(base, task, splits, config, ctx)
    margin = adapted.details["margin"]
    assert adapted.details["preferences"]["loss"] == "kto"  # auto: judgments have completion and label
    assert margin["before"]["desirable"] < margin["after"]["desirable"]
    assert margin["before"]["margin"] < margin["after"]["margin"]


EXPERIMENT = """\
name: rated
data: {{path: {data}}}
task: {{target: label, input: text, instruction: classify the movie review}}
model: {{path: {model}}}
stability: {{variants: 0}}
forgetting: {{texts: 0}}
methods:
{methods}
"""
LORA = "  - {method: lora, r: 2, epochs: 1, batch_size: 4, checkpoint_every: null}"
DPO = "  - {method: dpo, pairs: pairs.jsonl, start_from: lora, r: 2, epochs: 1, batch_size: 4, learning_rate: 0.005}"


def experiment(tmp_path, sentiment_jsonl, tiny_model_dir, *methods):
    """An experiment file beside a pairs file it names by a relative path."""
    rows = [json.loads(line) for line in sentiment_jsonl.read_text().splitlines()]
    pairs = [{"prompt": r["text"], "chosen": r["label"], "rejected": other_label(r["label"])} for r in rows[::4]]
    folder = tmp_path / "experiment"
    folder.mkdir()
    write_jsonl(folder / "pairs.jsonl", pairs)
    path = folder / "rated.yaml"
    path.write_text(EXPERIMENT.format(data=sentiment_jsonl, model=tiny_model_dir, methods="\n".join(methods)))
    return path


def test_start_from_lora_tunes_loras_adapter_and_tests_the_gain(tmp_path, sentiment_jsonl, tiny_model_dir):
    path = experiment(tmp_path, sentiment_jsonl, tiny_model_dir, LORA, DPO)
    store = Store()
    outcomes = run_experiment(load_experiment(path), store, log=lambda *_: None)
    assert [o.status for o in outcomes] == ["completed", "completed"], outcomes
    lora, dpo = (store.run(o.run_id)[0] for o in outcomes)
    assert dpo.config["pairs"] == str(path.parent / "pairs.jsonl")  # relative to the experiment file
    assert dpo.details["start_from"] == {"method_id": "lora", "method": "lora", "artifact": lora.artifact_path}
    test = dpo.details["test"]
    # The start is lora's model itself: its adapter and prompt score the test split exactly as lora's run did.
    assert test["start"] == pytest.approx(lora.metrics[lora.primary_metric]["value"])
    assert test["tuned"] == pytest.approx(dpo.metrics[dpo.primary_metric]["value"])
    assert test["gain"] == pytest.approx(test["tuned"] - test["start"]) and 0 <= test["p_value"] <= 1
    assert dpo.details["adapter"] == lora.details["adapter"] and dpo.details["prompt"] == lora.details["prompt"]
    margin = dpo.details["margin"]
    assert margin["before"]["margin"] < margin["after"]["margin"]
    # And the weights it started from were lora's: they prefer the rated answers as lora's artifact does, which
    # the base with the same prompt does not.
    base, ratings = load_base(ModelConfig(path=str(tiny_model_dir))), read_preferences(dpo.config["pairs"])
    lora_model = METHODS.get("lora").load(base, None, Path(lora.artifact_path))
    base_model = Adapted("base", base, lora_model.program)
    assert margin["before"]["margin"] == pytest.approx(preference_margin(lora_model, ratings)["margin"], abs=1e-5)
    assert margin["before"]["margin"] != pytest.approx(preference_margin(base_model, ratings)["margin"], abs=1e-3)
    assert dpo.cost["fit_read_tokens"] == 0  # measuring the start, the tuned model and the margins is not the build
    (section,) = METHODS.get("dpo").summary(dpo.details)
    assert "starting from lora's adapter" in section.title and section.rows[-1][0] == "test accuracy"


def test_start_from_a_method_not_run_says_to_list_it_first(tmp_path, sentiment_jsonl, tiny_model_dir):
    path = experiment(tmp_path, sentiment_jsonl, tiny_model_dir, DPO)
    (outcome,) = run_experiment(load_experiment(path), Store(), log=lambda *_: None)
    assert outcome.status == "failed"
    assert "no completed run of 'lora'" in outcome.message and "list 'lora' before this method" in outcome.message


GOOD = {"prompt": "a great film", "chosen": "fresh", "rejected": "rotten"}
JUDGED = {"prompt": "a great film", "completion": "fresh", "label": True}
BAD_FILES = [
    ([GOOD] * 2 + [{"prompt": "dull", "chosen": "rotten"}] + [GOOD] * 2, "pairs.jsonl:3: field 'rejected': missing"),
    ([GOOD] * 3 + [{**GOOD, "rejected": "fresh"}], "pairs.jsonl:4: field 'rejected': is the same text as chosen"),
    ([GOOD, {**GOOD, "prompt": ""}] + [GOOD] * 3, "pairs.jsonl:2: field 'prompt': must be non-empty text"),
    ([GOOD, {**GOOD, "chosen": 3}] + [GOOD] * 3, "pairs.jsonl:2: field 'chosen': must be non-empty text"),
    ([JUDGED] * 3 + [{**JUDGED, "label": "no"}], "pairs.jsonl:4: field 'label': must be true or false"),
    ([{"prompt": "x", "answer": "fresh"}] * 4, "pairs.jsonl:1: has neither chosen/rejected"),
    ([GOOD] * 3, "pairs.jsonl: holds 3 pairs; preference tuning needs at least 4"),
]


@pytest.mark.parametrize(("rows", "message"), BAD_FILES)
def test_a_bad_ratings_file_is_refused_with_its_file_line_and_field(tmp_path, rows, message):
    pairs = write_jsonl(tmp_path / "pairs.jsonl", rows)
    with pytest.raises(InputError, match="fix: ") as refused:
        METHODS.get("dpo").check(DpoSettings(pairs=pairs), review_task(), None)
    assert message in str(refused.value)


def test_ratings_that_are_not_jsonl_or_not_the_loss_named_are_refused(tmp_path):
    method, task = METHODS.get("dpo"), review_task()
    with pytest.raises(InputError, match="missing.csv: ratings must be a JSONL file"):
        method.check(DpoSettings(pairs=str(tmp_path / "missing.csv")), task, None)
    with pytest.raises(InputError, match="nowhere.jsonl: file not found"):
        method.check(DpoSettings(pairs=str(tmp_path / "nowhere.jsonl")), task, None)
    with (tmp_path / "broken.jsonl").open("w") as out:
        out.write(json.dumps(GOOD) + "\n{not json\n")
    with pytest.raises(InputError, match="broken.jsonl:2: malformed JSON"):
        method.check(DpoSettings(pairs=str(tmp_path / "broken.jsonl")), task, None)
    judgments = write_jsonl(tmp_path / "judgments.jsonl", [JUDGED] * 4)
    with pytest.raises(InputError, match="judgments.jsonl:1: field 'chosen': missing.*set loss: kto"):
        method.check(DpoSettings(pairs=judgments, loss="dpo"), task, None)
    with pytest.raises(TunewiseError, match="batch_size to 2 or more"):
        method.check(DpoSettings(pairs=judgments, batch_size=1), task, None)
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [GOOD] * 4)
    with pytest.raises(TunewiseError, match="tunes that run's adapter with the prompt it was trained on; remove role"):
        method.check(DpoSettings(pairs=pairs, start_from="lora", role="a critic"), task, None)


def test_start_from_an_entry_listed_later_is_refused_before_anything_runs(tmp_path, sentiment_jsonl, tiny_model_dir):
    path = experiment(tmp_path, sentiment_jsonl, tiny_model_dir, DPO, LORA)
    with pytest.raises(ConfigError, match="dpo: start_from 'lora' is listed after it; list 'lora' before 'dpo'"):
        load_experiment(path)


def review_task():
    return Task.from_config(TaskConfig(target="label", input="text", instruction="classify the movie review"))


def test_trl_reads_the_prompt_tokens_tunewise_serves_when_the_tokenizer_adds_a_bos(tiny_model_dir):
    """TRL encodes plain text with the tokenizer's special tokens; a rendered chat prompt already holds them."""
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    assert _added_prefix(tokenizer) == ""  # this tokenizer adds nothing: the prompt goes to TRL as rendered
    start = tokenizer.bos_token
    tokenizer._tokenizer.post_processor = TemplateProcessing(
        single=f"{start} $A", special_tokens=[(start, tokenizer.bos_token_id)]
    )
    prompt = start + tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False)
    as_served = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    assert tokenizer(prompt.removeprefix(_added_prefix(tokenizer)))["input_ids"] == as_served


def test_new_ratings_or_a_retrained_start_make_dpo_run_again(tmp_path, sentiment_jsonl, tiny_model_dir):
    """Skipping a completed run is right only while its inputs are the same: the ratings file's contents and the
    run it starts from are part of dpo's fingerprint."""
    path = experiment(tmp_path, sentiment_jsonl, tiny_model_dir, LORA, DPO)

    def keys(config):
        _, splits = prepare(config)
        return [run_fingerprint(config, entry, splits) for entry in config.entries]

    first = keys(load_experiment(path))
    assert keys(load_experiment(path)) == first
    pairs = path.parent / "pairs.jsonl"
    pairs.write_text(pairs.read_text() + json.dumps(GOOD) + "\n")
    more_ratings = keys(load_experiment(path))
    assert more_ratings[0] == first[0] and more_ratings[1] != first[1]
    path.write_text(path.read_text().replace("method: lora, r: 2", "method: lora, r: 4"))
    retrained = keys(load_experiment(path))
    assert retrained[0] != more_ratings[0] and retrained[1] != more_ratings[1]
