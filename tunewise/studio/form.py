"""The new-experiment form's fields as a ``Draft``: numbers read as numbers (a bad one named with its field),
each checked method's settings read by their kind (``catalog.Setting``), and anything the form did not offer
left out, so nothing but the form's own fields reaches the experiment file."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from tunewise.studio.catalog import Setting, method_catalog
from tunewise.studio.draft import Draft
from tunewise.studio.web import Refused

EDITABLE = ("int", "float", "bool", "choice", "text")  # kinds the form has an input for; others keep their default
FIELD_NAMES = {
    "max_train_minutes": "Most minutes of training per method",
    "requests_per_month": "Requests per month",
    "min_quality": "Lowest acceptable quality",
    "max_latency_ms": "Slowest acceptable answer (ms)",
    "test_fraction": "Share of examples for the test",
    "validation_fraction": "Share of examples for validation",
    "seed": "Seed",
}


def draft_from_form(upload_id: str, form: FormData) -> Draft:
    text = _text_of(form)
    template = text("template")
    return Draft(
        name=text("name"),
        upload_id=upload_id,
        input=template or text("input"),
        target=text("target"),
        task_type=text("task_type") or "classification",
        labels=[label.strip() for label in text("labels").split(",") if label.strip()] or None,
        instruction=text("instruction"),
        model=text("model"),
        methods=[_method(name, form) for name in form.getlist("methods")],
        max_train_minutes=_number(form, "max_train_minutes", float, optional=True),
        requests_per_month=_number(form, "requests_per_month", int),
        min_quality=_number(form, "min_quality", float, optional=True),
        max_latency_ms=_number(form, "max_latency_ms", float, optional=True),
        test_fraction=_number(form, "test_fraction", float),
        validation_fraction=_number(form, "validation_fraction", float),
        acknowledge=[str(check) for check in form.getlist("acknowledge")],
        seed=_number(form, "seed", int),
    )


def _text_of(form: FormData):
    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    return text


def _number(form: FormData, name: str, kind: type, optional: bool = False):
    raw = str(form.get(name, "")).strip()
    if not raw:
        if optional:
            return None
        raise Refused(f"{FIELD_NAMES[name]}: give a number")
    return _parsed(raw, kind, FIELD_NAMES[name])


def _parsed(raw: str, kind: type, label: str):
    """``raw`` as an int or a float; a refusal naming the field otherwise (also for inf/nan spellings)."""
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value != value or value in (float("inf"), float("-inf")):
        word = "a whole number" if kind is int else "a number"
        raise Refused(f"{label}: {raw[:40]!r} is not {word}")
    return value


def _method(name: str, form: FormData) -> dict:
    """``{"method": name, ...settings}`` from the inputs named ``setting:<method>:<setting>``."""
    info = {m.name: m for m in method_catalog()}.get(name)
    if info is None:  # the parser names the unknown method with the known ones
        return {"method": name}
    entry: dict[str, Any] = {"method": name}
    for setting in info.settings:
        if setting.kind in EDITABLE:
            key = f"setting:{name}:{setting.name}"
            if setting.kind == "bool":
                entry[setting.name] = key in form
            elif key in form:
                entry[setting.name] = _setting_value(setting, str(form.get(key)).strip(), name)
    return entry


def _setting_value(setting: Setting, raw: str, method: str) -> Any:
    if raw == "":
        return None if setting.optional else setting.default
    if setting.kind in ("text", "choice"):
        return _choice(setting, raw) if setting.kind == "choice" else raw
    return _parsed(raw, int if setting.kind == "int" else float, f"{method} {setting.name}")


def _choice(setting: Setting, raw: str) -> Any:
    """A choice as the setting spells it: the form sends text, a choice may be a number or true/false."""
    for option in setting.choices:
        if str(option) == raw:
            return option
    return raw  # the parser refuses it, naming the allowed values
