"""Checks of the models an experiment names, made before anything loads: every name a method or the judge uses
stands for a model, methods that train weights get a local one, and every API model has a token price (an
unpriced model would make every comparison with it meaningless)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from tunewise.core.typed import MODEL_REF, Problems
from tunewise.methods import METHODS
from tunewise.models.config import ModelConfig
from tunewise.run.models import model_config_for


def check_models(config, problems: Problems) -> None:
    if "base" in config.models:
        problems.add(("models", "base"), "'base' means a method's own base model; give this model another name")
    for i, entry in enumerate(config.entries):
        path = ("methods", i)
        base = _resolve(entry.model, config, problems, (*path, "model")) if entry.model else config.model
        if base is None:
            continue
        if base.is_api and METHODS.get(entry.method).trains_weights:
            where = f"'{entry.model}'" if entry.model else "the experiment's model"
            problems.add(
                path,
                f"{entry.method} trains weights, which needs a local model, and {where} ({base.label}) is behind "
                "an API: give this entry a local model, or use the API model as distill's teacher "
                "(teacher: {model: NAME})",
            )
        for field_path, value in model_refs(entry.params):
            if value not in (None, "base"):
                _resolve(value, config, problems, (*path, *field_path))
    for field_path, value in model_refs(config.judge, ("judge",)):
        if value not in (None, "base"):
            _resolve(value, config, problems, field_path)
    _check_prices(config, problems)


def _resolve(name: str, config, problems: Problems, path) -> ModelConfig | None:
    try:
        return model_config_for(name, config.models)
    except ValueError as exc:
        problems.add(path, str(exc))
        return None


def model_refs(params: Any, path: tuple = ()) -> Iterator[tuple[tuple, str | None]]:
    """Every setting (nested ones too) whose field is marked as naming a model."""
    if not dataclasses.is_dataclass(params):
        return
    for field in dataclasses.fields(params):
        value = getattr(params, field.name)
        if field.metadata.get(MODEL_REF):
            yield (*path, field.name), value
        elif dataclasses.is_dataclass(value):
            yield from model_refs(value, (*path, field.name))


def _check_prices(config, problems: Problems) -> None:
    models = [("model", config.model)] + [(f"models.{name}", model) for name, model in config.models.items()]
    for where, model in models:
        if model.is_api and model.api.model not in config.prices.models:
            problems.add(
                ("prices", "models"),
                f"no token price for the API model {model.api.model!r} ({where}); add "
                f"`{model.api.model}: {{input_usd_per_million: ..., output_usd_per_million: ...}}` from its price "
                "list (for a server you run yourself, what its tokens cost you)",
            )
