"""End to end on the real packaged model (SmolLM2-135M-Instruct) and the real catalog data, through the
installed `tunewise` command in a separate process. Needs `make setup` (it fetches both)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.e2e

EXPERIMENT = """\
name: e2e
data:
  dataset: rotten_tomatoes
  limit: {train: 24, validation: 8, test: 24}
task:
  target: label
  input: text
  labels: [fresh, rotten]
  instruction: Classify the movie review as fresh or rotten.
model:
  batch_size: 8
budget:
  max_steps: 2
stability: {variants: 2, examples: 12}
forgetting: {texts: 40}
methods:
  - method: zero_shot
  - method: few_shot
    k: 2
  - method: lora
    batch_size: 4
"""


def tunewise(*args, cwd: Path) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "tunewise"), *map(str, args)]
    env = os.environ | {"COLUMNS": "200"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_real_model_comparison(tmp_path):
    (tmp_path / "e2e.yaml").write_text(EXPERIMENT)
    result = tunewise("run", "e2e.yaml", "--report", "e2e.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line.split("│") for line in result.stdout.splitlines() if line.count("│") > 5]
    rows = {cells[1].strip(" ★"): "│".join(cells) for cells in lines if cells[2].strip().startswith("#")}
    assert {"zero_shot", "few_shot", "lora"} <= set(rows)
    assert any("always 'fresh'" in "│".join(cells) for cells in lines)  # the majority-label reference row
    for line in rows.values():
        accuracy = float(line.split("│")[3].split()[0])
        assert 0.0 <= accuracy <= 1.0
    assert "Recommendation: " in result.stdout and (tmp_path / "e2e.html").stat().st_size > 1_000_000
    assert "forgetting" in result.stdout and "frozen" in rows["zero_shot"]  # real perplexity on general text
    shown = tunewise("show", "3", cwd=tmp_path)
    assert shown.returncode == 0 and "lora" in shown.stdout and "trainable params" in shown.stdout


def test_packaged_encoder_finds_similar_reviews(tmp_path, monkeypatch):
    from tunewise.models.embeddings import ENCODERS, Embedder

    model_dir = ENCODERS.get("all-minilm-l6-v2").local_dir()  # fetched by `make setup`
    monkeypatch.setenv("TUNEWISE_CACHE", str(tmp_path / "cache"))  # a fresh vector cache
    embedder = Embedder(model_dir, "all-minilm-l6-v2")
    texts = ["a wonderful, moving film", "a great movie with a superb cast", "the stock market fell sharply"]
    vectors = embedder.embed(texts)
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert np.array_equal(embedder.embed(texts[:1])[0], vectors[0])  # served from the on-disk cache
    assert (
        len(embedder.cache.get([])) == 0
        and embedder.cache.db.execute("select count(*) from vectors").fetchone()[0] == 3
    )
