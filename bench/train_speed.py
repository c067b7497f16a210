"""Section b (and e on a GPU): LoRA training throughput, tunewise's trainer against a plain Trainer + PEFT script.

- tunewise: ``train_causal_lm`` as the demo's lora method calls it (TaskTrainer's length-grouped sampler,
  logits at answer positions only), with the demo's settings.
- plain: ``transformers.Trainer`` on a PEFT LoRA model with default batching (a random sampler) and the model's
  own full-sequence loss, ``DataCollatorForSeq2Seq``: what a training script written from the docs does.

Both train on the demo's training split (the same prompts and answer-only labels, token for token) with the
same LoRA (r, alpha, dropout, modules), learning rate, schedule, warm-up and batch size: one whole epoch each
(the demo's training exactly: the same examples, so the same steps), or ``steps`` steps each when given (quick
mode). The whole split is given to both because the length grouping works within the epoch it is given
(megabatches of up to 50 batches, fewer for a small split). tokens/s counts real (non-padding) tokens trained on
per second of the training loop (Trainer's train begin to end). MFU: tunewise's own ``training_flops`` (forward
2·N·T, backward through the frozen network 2·N·T, weight gradients 2·N_trainable·T; T = real tokens) per second,
divided by the measured matmul peak.
"""

from __future__ import annotations

import copy
import dataclasses
import tempfile
import time
import types

import torch
from peft import LoraConfig, get_peft_model
from report import Section
from torch.utils.data import RandomSampler
from transformers import DataCollatorForSeq2Seq, Trainer, TrainerCallback, TrainingArguments

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.budget import BudgetConfig
from tunewise.decide.costs import training_flops
from tunewise.methods.lora.method import lora_model
from tunewise.methods.prompt import base_program
from tunewise.training import train_causal_lm
from tunewise.training.loss import KeepAnswerLogits, answer_only_loss
from tunewise.training.sampling import EpochLengthSampler, TokenCount
from tunewise.training.trainer import SCHEDULES

TARGET_RATIO, TARGET_PADDING = 1.5, 0.10


def features(adapted: Adapted, item) -> dict[str, list[int]]:
    """One example's token ids as tunewise trains on them (the prompt fitted to leave room for the answer)."""
    answer = adapted.program.answer_for(item.target)
    room = adapted.backend.count_tokens(answer) + len(adapted.backend.answer_suffix())
    return adapted.backend.training_features(adapted.prompt(item.input, reserve=room), answer)


class Stopwatch(TrainerCallback):
    """Seconds of the training loop, from Trainer's train begin to its end (what TimeBudget counts for ours)."""

    def on_train_begin(self, args, state, control, **kwargs):
        self.started = time.perf_counter()

    def on_train_end(self, args, state, control, **kwargs):
        self.seconds = time.perf_counter() - self.started


class CountingTrainer(Trainer):
    """The plain Trainer, counting the tokens of the batches it trains on (and changing nothing else)."""

    def __init__(self, *args, tokens: TokenCount, **kwargs):
        super().__init__(*args, **kwargs)
        self.tokens = tokens

    def training_step(self, model, inputs, num_items_in_batch=None):
        self.tokens.add(inputs["attention_mask"])
        return super().training_step(model, inputs, num_items_in_batch)


def _no_validation(adapted, items, **kwargs):
    """Validation is the same work for both and not training: left out of the timing."""
    return types.SimpleNamespace(score=0.0)


def run_tunewise(workload, settings, items, steps: int | None) -> dict:
    base, task = workload.base, workload.task
    model, _ = lora_model(base, settings)
    adapted = Adapted(
        "lora",
        base.with_model(model),
        base_program(settings, task),
        sum(p.numel() for p in model.parameters() if p.requires_grad),
    )
    ctx = FitContext(
        seed=workload.config.seed,
        budget=BudgetConfig(max_steps=steps),
        evaluate=_no_validation,
        predict=lambda *a, **k: [],
    )
    result = train_causal_lm(adapted, items, settings, ctx)
    real = result.train_tokens
    return {
        "seconds": result.seconds,
        "steps": result.steps,
        "real": real,
        "padded": round(real / (1 - result.padding_fraction)) if real else 0,
        "trainable": adapted.trainable_params,
    }


def run_plain(workload, settings, items, steps: int | None) -> dict:
    base, task = workload.base, workload.task
    program = base_program(settings, task)
    model = get_peft_model(
        copy.deepcopy(base.model),
        LoraConfig(
            task_type="CAUSAL_LM",
            r=settings.r,
            lora_alpha=settings.alpha,
            lora_dropout=settings.dropout,
            target_modules=list(settings.target_modules),
        ),
    )
    shim = Adapted("plain", base, program)
    dataset = [features(shim, item) for item in items]
    placement = base.placement
    args = TrainingArguments(
        output_dir=tempfile.mkdtemp(prefix="bench-plain-"),
        per_device_train_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation,
        num_train_epochs=settings.epochs,
        max_steps=steps or -1,
        learning_rate=settings.learning_rate,
        weight_decay=settings.weight_decay,
        warmup_steps=settings.warmup,
        lr_scheduler_type=SCHEDULES[settings.schedule],
        save_strategy="no",
        report_to="none",
        seed=workload.config.seed,
        use_cpu=placement.device.type == "cpu",
        bf16=placement.dtype == torch.bfloat16,
        fp16=placement.dtype == torch.float16,
        remove_unused_columns=False,
        disable_tqdm=True,
    )
    tokens, watch = TokenCount(), Stopwatch()
    trainer = CountingTrainer(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=DataCollatorForSeq2Seq(base.tokenizer, padding=True, label_pad_token_id=-100),
        callbacks=[watch],
        tokens=tokens,
    )
    model.train()
    output = trainer.train()
    return {
        "seconds": watch.seconds,
        "steps": output.global_step,
        "real": tokens.real,
        "padded": tokens.padded,
        "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
    }


def epoch_padding(workload, settings, items) -> dict[str, float]:
    """Padding of one epoch over ``items`` in batches of ``batch_size`` as each sampler orders them, computed
    from the token lengths alone (no training): the random sampler's over 5 seeds."""
    shim = Adapted("plain", workload.base, base_program(settings, workload.task))
    lengths = [len(features(shim, item)["input_ids"]) for item in items]
    size = settings.batch_size * settings.gradient_accumulation

    def padding(order: list[int]) -> float:
        batches = [[lengths[i] for i in order[k : k + size]] for k in range(0, len(order), size)]
        return 1 - sum(map(sum, batches)) / sum(max(b) * len(b) for b in batches)

    ours = padding(list(EpochLengthSampler(lengths, size, workload.config.seed)))
    plain = []
    for seed in range(5):
        generator = torch.Generator().manual_seed(seed)
        plain.append(padding(list(RandomSampler(range(len(lengths)), generator=generator))))
    return {"tunewise": ours, "plain": sum(plain) / len(plain), "examples": len(items)}


def profile_step(workload, settings, items, rows: int = 5) -> list[str]:
    """Top operators (self CPU time) of one tunewise training step, forward and backward, on one batch."""
    from torch.profiler import ProfilerActivity, profile

    model, _ = lora_model(workload.base, settings)
    shim = Adapted("plain", workload.base, base_program(settings, workload.task))
    collate = KeepAnswerLogits(DataCollatorForSeq2Seq(workload.base.tokenizer, padding=True, label_pad_token_id=-100))
    batch = collate([features(shim, item) for item in items[: settings.batch_size]])
    keep, labels = batch.pop("logits_to_keep"), batch.pop("labels")
    batch = {k: v.to(model.device) for k, v in batch.items()}
    model.train()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        answer_only_loss(model(**batch, logits_to_keep=keep.to(model.device)), labels.to(model.device)).backward()
    events = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
    total = sum(e.self_cpu_time_total for e in events) or 1
    events.sort(key=lambda e: -e.self_cpu_time_total)
    return [f"{e.key} {e.self_cpu_time_total / total:.0%}" for e in events[:rows]]


def warm_up(workload, settings, items) -> None:
    """One forward and backward pass on a throwaway LoRA copy: allocator and kernels warm for both sides."""
    model, _ = lora_model(workload.base, settings)
    shim = Adapted("plain", workload.base, base_program(settings, workload.task))
    batch = DataCollatorForSeq2Seq(workload.base.tokenizer, padding=True, label_pad_token_id=-100)(
        [features(shim, item) for item in items[: settings.batch_size]]
    )
    model.train()
    model(**{k: v.to(model.device) for k, v in batch.items()}).loss.backward()


def measure(workload, steps: int | None, peak_of, key: str = "training", title: str | None = None) -> Section:
    """Both sides over the demo's training split: one epoch each, or ``steps`` steps each. ``peak_of()``
    measures the matmul peak; it is taken before, between and after the two runs and the best reading kept
    (a reading taken while other processes load the cores understates the peak, and MFU with it)."""
    section = Section(key, title or "b. LoRA training (real tokens/s)")
    # Validation is left out of the timing (_no_validation scores 0), so it must not stop training early: it runs
    # at the end only, and both sides train the same steps.
    settings = dataclasses.replace(workload.params("lora"), checkpoint_every=None, eval_every=None)
    items = workload.splits.train
    warm_up(workload, settings, items)
    readings = [peak_of()]
    total = {"tunewise": run_tunewise(workload, settings, items, steps)}
    readings.append(peak_of())
    total["plain"] = run_plain(workload, settings, items, steps)
    readings.append(peak_of())
    peak = max(readings, key=lambda r: r["flops_per_second"])
    peak = peak | {"readings": [r["flops_per_second"] for r in readings]}
    base_params = workload.base.parameter_count()
    figures = {}
    for side, t in total.items():
        trainable = t["trainable"]
        flops = training_flops(base_params, trainable, t["real"])
        figures[side] = {
            "tokens_per_second": t["real"] / t["seconds"],
            "padding": 1 - t["real"] / t["padded"],
            "mfu": flops / t["seconds"] / peak["flops_per_second"],
            "flops_per_second": flops / t["seconds"],
            "trainable_params": trainable,
            **{k: v for k, v in t.items() if k != "trainable"},
        }
    ours, plain = figures["tunewise"], figures["plain"]
    ratio = ours["tokens_per_second"] / plain["tokens_per_second"]
    section.add("tunewise_tokens_per_second", "tunewise trainer", ours["tokens_per_second"], "tok/s")
    section.add("plain_tokens_per_second", "plain Trainer + PEFT", plain["tokens_per_second"], "tok/s")
    section.at_least("ratio", "speed-up (tokens/s)", ratio, "x", TARGET_RATIO)
    section.at_most(
        "padding_tunewise", "padding waste trained on, tunewise", ours["padding"], "fraction", TARGET_PADDING
    )
    section.add("padding_plain", "padding waste trained on, plain", plain["padding"], "fraction")
    epoch = epoch_padding(workload, settings, workload.splits.train)
    label = f"padding waste over one epoch of {epoch['examples']} examples, from the sampler"
    section.add("epoch_padding_tunewise", f"{label}, tunewise", epoch["tunewise"], "fraction")
    section.add("epoch_padding_plain", f"{label}, plain", epoch["plain"], "fraction")
    section.add("mfu_tunewise", "MFU, tunewise", ours["mfu"], "fraction")
    section.add("mfu_plain", "MFU, plain", plain["mfu"], "fraction")
    section.add("peak", "measured matmul peak", peak["flops_per_second"], "FLOP/s")
    section.add("achieved", "achieved training FLOP/s, tunewise", ours["flops_per_second"], "FLOP/s")
    section.details = {"settings": dataclasses.asdict(settings), "sides": figures, "epoch_padding": epoch, "peak": peak}
    place = workload.base.placement
    section.notes += [
        f"The demo's {len(items)} training examples, {'one epoch' if steps is None else f'{steps} steps'} each "
        f"side ({ours['steps']} and {plain['steps']} steps of batch {settings.batch_size}), tunewise first; LoRA "
        f"r={settings.r}, "
        f"alpha={settings.alpha}, dropout={settings.dropout}, {'/'.join(settings.target_modules)}, lr "
        f"{settings.learning_rate:g}, {settings.schedule} schedule, warm-up {settings.warmup:g}; "
        f"{place.dtype_name} on {place.device}, {torch.get_num_threads()} torch threads.",
        f"MFU = tunewise.decide.costs.training_flops (4·N + 2·N_trainable per real token, N = {base_params:,} "
        f"parameters, N_trainable = {ours['trainable_params']:,}) per second / the matmul peak "
        f"({peak['how']}; the best of readings before, between and after the runs: "
        f"{', '.join(f'{r / 1e9:.0f}' for r in peak['readings'])} GFLOP/s). Both sides are credited the same FLOPs "
        "per real token, so the LM head tunewise skips at prompt positions (about a fifth of a full step's "
        "matrix work) counts as done: MFU compares like with like, and tunewise's can run above the fraction of "
        "the peak its matmuls actually reach.",
        "Padding waste = padding tokens / all tokens of the batches trained on; the 'from the sampler' rows compute "
        "it for a whole epoch from each sampler's order and the token lengths, without training (the random "
        "sampler averaged over 5 seeds).",
    ]
    if ratio < TARGET_RATIO or ours["padding"] > TARGET_PADDING:
        section.gaps.append(_gap(ours, plain, ratio, profile_step(workload, settings, items)))
    return section


def _gap(ours: dict, plain: dict, ratio: float, top: list[str]) -> str:
    per_padded = (ours["padded"] / ours["seconds"]) / (plain["padded"] / plain["seconds"])
    grouping = (1 - ours["padding"]) / (1 - plain["padding"])
    return (
        f"{ratio:.2f}x = {per_padded:.2f}x more padded tokens per second (answer-only logits: the LM head at answer "
        f"positions only) x {grouping:.2f}x more real tokens per padded token (length grouping: padding "
        f"{ours['padding']:.1%} against {plain['padding']:.1%}). Profile of one tunewise step, self CPU time: "
        f"{', '.join(top)}."
    )
