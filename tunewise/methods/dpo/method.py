from __future__ import annotations

import dataclasses
from pathlib import Path

from tunewise.core.adapted import Adapted, FitContext
from tunewise.core.errors import TunewiseError
from tunewise.core.resources import ADAPTER_TRAINING, Resources
from tunewise.methods.base import register
from tunewise.methods.dpo.gain import Measuring, paired_gain
from tunewise.methods.dpo.margin import preference_margin
from tunewise.methods.dpo.preferences import read_preferences
from tunewise.methods.dpo.settings import DpoSettings
from tunewise.methods.dpo.start import start_model
from tunewise.methods.dpo.summary import dpo_sections
from tunewise.methods.dpo.train import train_on_ratings
from tunewise.methods.lora import load_lora
from tunewise.methods.prompt import PromptSettings, check_prompt

PROMPT_SETTINGS = [f.name for f in dataclasses.fields(PromptSettings)]


@register("dpo")
class Dpo:
    config_class = DpoSettings
    trains_weights = True
    suggested = False  # it needs ratings, which a new experiment does not have yet
    about = (
        "Tunes the model on people's ratings of its answers (which of two was better, or good and bad), on its "
        "own or after another method; costs some training time, then answers as fast as the base model."
    )

    def resources(self, config) -> Resources:
        return ADAPTER_TRAINING

    def check(self, config: DpoSettings, task, splits) -> None:
        check_prompt(config, task)
        overridden = [name for name in PROMPT_SETTINGS if getattr(config, name) is not None]
        if config.start_from and overridden:
            raise TunewiseError(
                f"start_from {config.start_from!r} tunes that run's adapter with the prompt it was trained on; "
                f"remove {', '.join(overridden)}"
            )
        ratings = read_preferences(config.pairs, config.loss)
        if ratings.loss == "kto" and config.batch_size < 2:
            raise TunewiseError("kto compares each judgment with the others in its batch: set batch_size to 2 or more")

    def folds(self, config: DpoSettings) -> int | None:
        return None  # the ratings are the training data, not the training split: nothing to cross-validate

    def fit(self, base, task, splits, config: DpoSettings, ctx: FitContext) -> Adapted:
        ratings = read_preferences(config.pairs, config.loss)
        adapted = start_model(base, task, config, ctx)
        measuring = Measuring(base.work)
        with measuring:  # before training the model is the start
            start = ctx.evaluate(adapted, splits.test, desc="dpo: start on test", intervals=False)
            before = preference_margin(adapted, ratings)
        training = train_on_ratings(adapted, ratings, config, ctx)
        with measuring:
            tuned = ctx.evaluate(adapted, splits.test, desc="dpo: tuned on test", intervals=False)
            after = preference_margin(adapted, ratings)
        adapted.trainable_params = sum(p.numel() for p in adapted.backend.model.parameters() if p.requires_grad)
        adapted.details |= {
            "preferences": {"file": ratings.file, "loss": ratings.loss, "rows": len(ratings.rows), "beta": config.beta},
            "margin": {"before": before, "after": after},
            "test": paired_gain(start, tuned),
            "training": training,
            "measurement_work": measuring.work.as_dict(),  # the runner keeps it out of the build
            "measurement_seconds": measuring.seconds,
        }
        return adapted

    def load(self, base, task, directory: Path) -> Adapted:
        return load_lora("dpo", base, directory)

    def summary(self, details: dict) -> list:
        return dpo_sections(details)
