"""Shared fixtures: an isolated tunewise home per test, and a tiny random-initialized chat model built here
(no download): a byte-level BPE tokenizer trained on a few sentences and a 2-layer Llama."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from postgres_server import postgres_server_fixture, postgres_url_fixture  # noqa: F401  (shared fixtures)

REPO = Path(__file__).resolve().parent.parent
# Where `make setup` (tunewise fetch) put the packaged model and data, decided before any test changes the home.
SHARED_CACHE = os.environ.get("TUNEWISE_CACHE") or str(
    Path(os.environ.get("TUNEWISE_HOME") or Path.home() / ".tunewise").expanduser() / "cache"
)
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
CORPUS = [
    "a great film with a wonderful cast",
    "a dull and tedious mess",
    "fresh rotten positive negative",
    "classify the movie review answer fresh or rotten",
    "the plot is clever and the acting superb",
    "boring predictable and far too long",
    "what is two plus three the answer is five",
]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Each test gets its own store; the model/dataset cache is shared (it only holds pinned, verified files)."""
    monkeypatch.setenv("TUNEWISE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TUNEWISE_DB_URL", raising=False)
    monkeypatch.setenv("TUNEWISE_CACHE", SHARED_CACHE)
    return tmp_path / "home"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out = tmp_path_factory.mktemp("tiny-model")
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    specials = ["<|im_start|>", "<|im_end|>"]
    bpe.train_from_iterator(
        CORPUS * 4,
        trainers.BpeTrainer(
            vocab_size=400, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
        ),
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|im_end|>", bos_token="<|im_start|>"
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(out)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        tie_word_embeddings=True,
    )
    LlamaForCausalLM(config).save_pretrained(out)
    return out


@pytest.fixture
def tiny_backend(tiny_model_dir):
    from tunewise.models import load_base
    from tunewise.models.config import ModelConfig

    return load_base(ModelConfig(path=str(tiny_model_dir), max_length=256, batch_size=4))


@pytest.fixture
def sentiment_jsonl(tmp_path) -> Path:
    """40 labelled reviews: enough for stratified splits and a few training steps."""
    good = ["a great film", "wonderful cast and clever plot", "superb acting", "a clever delight"]
    bad = ["a dull mess", "boring and predictable", "far too long", "tedious and dull"]
    rows = [{"text": f"{good[i % 4]} number {i}", "label": "fresh"} for i in range(20)]
    rows += [{"text": f"{bad[i % 4]} number {i}", "label": "rotten"} for i in range(20)]
    path = tmp_path / "reviews.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def setup(sentiment_jsonl, tiny_backend, tmp_path):
    """(base, task, splits, ctx, logged metrics) for fitting methods on the tiny model."""
    from tunewise.core.budget import BudgetConfig
    from tunewise.data import load_examples, split_examples
    from tunewise.evaluate import fit_context
    from tunewise.tasks import Task
    from tunewise.tasks.config import TaskConfig

    task = Task.from_config(TaskConfig(target="label", input="text", instruction="classify the movie review"))
    splits = split_examples(task.prepare(load_examples(sentiment_jsonl)), 0.2, 0.25, seed=0, stratify=True)
    logged = []
    ctx = fit_context(task, splits, seed=0, budget=BudgetConfig(), log_metric=lambda *a: logged.append(a))
    return tiny_backend, task, splits, ctx, logged
