"""Trainer callbacks: early stopping on the task metric with best-weights restore, time budget, logging."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from transformers import TrainerCallback

from tunewise.core.progress import progress


class BestOnTaskMetric(TrainerCallback):
    """Validate with tunewise's evaluation every ``every`` steps (or each epoch), keep the best trainable
    weights in memory, stop after ``patience`` validations without improvement, and restore the best."""

    def __init__(self, model, validate: Callable[[], float], every: int | None, patience: int, log):
        self.model, self.validate, self.every, self.patience, self.log = model, validate, every, patience, log
        self.best_score, self.best_step, self.history = float("-inf"), 0, []
        self._best_weights: dict[str, torch.Tensor] | None = None
        self._stale, self._last_step = 0, -1

    @property
    def stopped_early(self) -> bool:
        return self._stale >= self.patience

    def on_step_end(self, args, state, control, **kwargs):
        if self.every and state.global_step % self.every == 0:
            self._check(state, control)

    def on_epoch_end(self, args, state, control, **kwargs):
        if not self.every:
            self._check(state, control)

    def on_train_end(self, args, state, control, **kwargs):
        if state.global_step != self._last_step:
            self._check(state, control)
        if self._best_weights is not None:
            self.model.load_state_dict(self._best_weights, strict=False)

    def state_dict(self) -> dict:
        return {
            "best_score": self.best_score,
            "best_step": self.best_step,
            "history": self.history,
            "stale": self._stale,
            "last_step": self._last_step,
            "best_weights": self._best_weights or {},
        }

    def load_state_dict(self, state: dict) -> None:
        self.best_score, self.best_step, self._stale = state["best_score"], state["best_step"], state["stale"]
        self.history = [tuple(point) for point in state["history"]]
        self._last_step, self._best_weights = state["last_step"], state["best_weights"] or None

    def _check(self, state, control) -> None:
        self._last_step = state.global_step
        was_training = self.model.training
        self.model.eval()
        score = self.validate()
        self.model.train(was_training)
        self.history.append((state.global_step, score))
        self.log(state.global_step, "validation", score)
        if score > self.best_score:
            self.best_score, self.best_step, self._stale = score, state.global_step, 0
            self._best_weights = {
                name: p.detach().clone() for name, p in self.model.named_parameters() if p.requires_grad
            }
        else:
            self._stale += 1
            if self.stopped_early:  # never clear a stop another callback asked for (max_steps, time budget)
                control.should_training_stop = True


class TimeBudget(TrainerCallback):
    """Stops training after ``minutes`` of training time, counting the time spent before a resume."""

    def __init__(self, minutes: float | None):
        self.seconds = None if minutes is None else minutes * 60
        self.started, self.spent_before = time.perf_counter(), 0.0
        self.exhausted = False

    @property
    def spent(self) -> float:
        return self.spent_before + time.perf_counter() - self.started

    def on_train_begin(self, args, state, control, **kwargs):
        self.started = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        if self.seconds is not None and self.spent > self.seconds:
            self.exhausted = control.should_training_stop = True

    def state_dict(self) -> dict:
        return {"spent": self.spent}

    def load_state_dict(self, state: dict) -> None:
        self.spent_before = state["spent"]


class LogToStore(TrainerCallback):
    """Forward Trainer's logged scalars (loss, learning rate, grad norm) as per-step metrics."""

    def __init__(self, log):
        self.log = log

    def on_log(self, args, state, control, logs=None, **kwargs):
        for name, value in (logs or {}).items():
            if isinstance(value, int | float) and name not in ("epoch", "step"):
                self.log(state.global_step, name, float(value))


class TrainProgress(TrainerCallback):
    """One progress bar per training run, with the latest loss and validation score beside it (replaces
    Trainer's own bar, which prints every logged dict as a line)."""

    def __init__(self, desc: str):
        self.desc, self.bar, self.postfix = desc, None, {}

    def on_train_begin(self, args, state, control, **kwargs):
        self.bar = progress(total=state.max_steps, desc=self.desc, unit="step")

    def on_step_end(self, args, state, control, **kwargs):
        self.bar.update(state.global_step - self.bar.n)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.postfix["loss"] = f"{logs['loss']:.3f}"
            self.bar.set_postfix(self.postfix, refresh=False)

    def note_validation(self, score: float) -> None:
        self.postfix["val"] = f"{score:.3f}"
        if self.bar is not None:
            self.bar.set_postfix(self.postfix)

    def on_train_end(self, args, state, control, **kwargs):
        self.bar.close()
