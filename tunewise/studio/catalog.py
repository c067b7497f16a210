"""What the studio's form offers: the registered methods with their plain-words description and their settings
(read from each method's own config dataclass, so a new method or setting shows up without touching the
studio), a starter set of methods, and the base models to choose from."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from tunewise.core.typed import FILE_REF, MODEL_REF, help_of
from tunewise.methods import METHODS
from tunewise.models.packaged import MODELS


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any  # plain data (a nested group of settings as a dict), as the experiment file would hold it
    help: str
    kind: str  # text, int, float, bool, choice, list, mapping, group (nested), reference (a model or file) or any
    choices: tuple = ()  # kind choice: the allowed values
    optional: bool = False  # may be left empty (null)


@dataclass(frozen=True)
class MethodInfo:
    name: str
    about: str
    trains_weights: bool
    settings: list[Setting]


def method_catalog() -> list[MethodInfo]:
    """Every registered method, in the registry's order."""
    return [_info(name) for name in METHODS.names()]


def default_methods() -> list[dict]:
    """The methods a new form starts with, each at its defaults (a fresh list: the caller may edit it)."""
    return [{"method": name} for name in starter_methods()]


def starter_methods() -> list[str]:
    """The methods each method's ``suggested`` marks: a prompt baseline, examples in the prompt, an adapter."""
    return [name for name in METHODS.names() if METHODS.get(name).suggested]


def model_choices(folders: list[Path] = ()) -> dict[str, dict]:
    """Choice name -> the experiment's ``model:`` section: every packaged model, then local model folders (the
    studio's command line names them) under their folder name, numbered when two share one."""
    choices = {name: {"name": name} for name in MODELS.names()}
    for folder in folders:
        name, n = folder.name, 1
        while name in choices:
            n += 1
            name = f"{folder.name}-{n}"
        choices[name] = {"path": str(folder.expanduser().resolve())}
    return choices


def _info(name: str) -> MethodInfo:
    method = METHODS.get(name)
    return MethodInfo(name, method.about, method.trains_weights, settings_of(method.config_class))


def defaults(config_class: type) -> dict[str, Any]:
    """Setting -> default of a config dataclass (a required one: None), as plain data."""
    return {setting.name: setting.default for setting in settings_of(config_class)}


def settings_of(config_class: type) -> list[Setting]:
    hints = get_type_hints(config_class)
    return [_setting(f, hints[f.name]) for f in dataclasses.fields(config_class) if f.init]


def _setting(field: dataclasses.Field, hint: Any) -> Setting:
    options = _options(hint)
    optional = type(None) in options
    options = tuple(o for o in options if o is not type(None))
    kind, choices = _kind(options[0]) if len(options) == 1 else ("any", ())
    if field.metadata.get(MODEL_REF) or field.metadata.get(FILE_REF):
        # A model or a file on the server: never typed into a web form (a path would read the server's files).
        kind, choices = "reference", ()
    return Setting(field.name, _default(field), help_of(field), kind, choices, optional)


def _options(hint: Any) -> tuple:
    return get_args(hint) if get_origin(hint) in (typing.Union, types.UnionType) else (hint,)


def _kind(hint: Any) -> tuple[str, tuple]:
    origin = get_origin(hint)
    if origin is Literal:
        return "choice", get_args(hint)
    if origin in (list, dict):
        return ("list" if origin is list else "mapping"), ()
    if dataclasses.is_dataclass(hint):
        return "group", ()
    names = {str: "text", int: "int", float: "float", bool: "bool"}
    return names.get(hint, "any"), ()


def _default(field: dataclasses.Field) -> Any:
    if field.default is not dataclasses.MISSING:
        value = field.default
    elif field.default_factory is not dataclasses.MISSING:
        value = field.default_factory()
    else:
        return None  # required (no method setting is, today; a section's key may be)
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value
