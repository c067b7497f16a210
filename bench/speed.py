"""Side-by-side speed of tunewise's fast paths against the plain way, on the real packaged model and data.

    .venv/bin/python bench/speed.py [--examples 64] [--steps 6]

1. Label scoring: naive (one forward per prompt-label pair, full logits) vs tunewise's scorer (shared-prefix
   KV cache, one pass per prompt, LM head on the last position), for zero-shot and 4-shot prompts.
2. Naive per-example greedy `generate` of the label (the baseline the design brief names).
3. A LoRA training step: full-sequence logits and loss (plain Trainer) vs answer-only logits.
Figures vary 2-4x on shared cores; compare numbers from one run only.
"""

from __future__ import annotations

import argparse
import copy
import random
import time

import torch

from tunewise.core.prompt import PromptProgram
from tunewise.data.config import DataConfig, SplitSizes
from tunewise.models import load_base
from tunewise.models.config import ModelConfig
from tunewise.tasks import Task
from tunewise.tasks.config import TaskConfig
from tunewise.tasks.prepare import prepare_splits

INSTRUCTION = 'Classify the movie review. Answer "fresh" if the critic liked the movie, "rotten" if not.'


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def naive_scores(backend, prompts, labels):
    out = []
    for prompt in prompts:
        row = []
        for label in labels:
            p, c = backend.encode(prompt), backend.encode(label)
            with torch.inference_mode():
                logprobs = backend.model(input_ids=torch.tensor([p + c])).logits[0].log_softmax(-1)
            row.append(sum(logprobs[len(p) - 1 + k, t].item() for k, t in enumerate(c)))
        out.append(row)
    return out


def naive_generate(backend, prompts):
    for prompt in prompts:
        ids = torch.tensor([backend.encode(prompt)])
        with torch.inference_mode():
            backend.model.generate(
                input_ids=ids, max_new_tokens=3, do_sample=False, pad_token_id=backend.tokenizer.pad_token_id
            )


def bench_scoring(backend, task, splits, n):
    items = splits.test[:n]
    demos = [(i.input, i.target) for i in random.Random(0).sample(splits.train, 4)]
    for name, program in [
        ("zero-shot", PromptProgram(INSTRUCTION)),
        ("4-shot", PromptProgram(INSTRUCTION, demos=demos)),
    ]:
        prompts = [backend.render(program.messages(i.input)) for i in items]
        slow, _ = timed(lambda p=prompts: naive_scores(backend, p, task.labels))
        fast, _ = timed(lambda p=prompts: backend.score(p, task.labels))
        gen, _ = timed(lambda p=prompts: naive_generate(backend, p))
        print(
            f"scoring {name:9s} n={n}: naive pairs {n / slow:6.1f} ex/s | naive generate {n / gen:6.1f} ex/s | "
            f"tunewise {n / fast:6.1f} ex/s  -> {slow / fast:.1f}x pairs, {gen / fast:.1f}x generate"
        )


def bench_training(backend, splits, steps):
    from peft import LoraConfig, get_peft_model
    from transformers import DataCollatorForSeq2Seq

    from tunewise.training.loss import KeepAnswerLogits, answer_only_loss

    model = get_peft_model(
        copy.deepcopy(backend.model),
        LoraConfig(task_type="CAUSAL_LM", r=8, lora_alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]),
    )
    program = PromptProgram(INSTRUCTION)
    features = [backend.training_features(backend.render(program.messages(i.input)), i.target) for i in splits.train]
    collate = KeepAnswerLogits(DataCollatorForSeq2Seq(backend.tokenizer, padding=True, label_pad_token_id=-100))
    batches = [collate(features[k * 8 : (k + 1) * 8]) for k in range(steps)]
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    model.train()

    def run(answer_only: bool) -> float:
        started = time.perf_counter()
        for batch in batches:
            batch = dict(batch)
            keep, labels = batch.pop("logits_to_keep"), batch.pop("labels")
            if answer_only:
                loss = answer_only_loss(model(**batch, logits_to_keep=keep), labels)
            else:
                loss = model(**batch, labels=labels).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        return (time.perf_counter() - started) / steps

    full, answer = run(False), run(True)
    tokens = sum(int(b["attention_mask"].sum()) for b in batches) / steps
    print(
        f"LoRA step (batch 8, {tokens:.0f} tokens): full logits {full:.2f} s ({tokens / full:.0f} tok/s) | "
        f"answer-only {answer:.2f} s ({tokens / answer:.0f} tok/s) -> {full / answer:.2f}x"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=64)
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()
    task = Task.from_config(TaskConfig(target="label", input="text", labels=["fresh", "rotten"]))
    data = DataConfig(dataset="rotten_tomatoes", limit=SplitSizes(train=200, validation=10, test=args.examples))
    splits = prepare_splits(data, task, seed=0)
    backend = load_base(ModelConfig(batch_size=16))
    print(f"torch threads: {torch.get_num_threads()}")
    bench_scoring(backend, task, splits, args.examples)
    bench_training(backend, splits, args.steps)


if __name__ == "__main__":
    main()
