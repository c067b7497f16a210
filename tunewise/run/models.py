"""The models an experiment uses besides its base: named under ``models:`` (local or behind an API), or a
packaged model or folder that a method names (a teacher, a proposer). Each is loaded once, on first use, and
the work it does for a method is priced with that method's build."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tunewise.core.backend import Backend, Work, work_entry
from tunewise.core.errors import TunewiseError
from tunewise.models.config import ModelConfig
from tunewise.models.load import load_base
from tunewise.models.packaged import MODELS


def model_config_for(name: str, named: dict[str, ModelConfig]) -> ModelConfig:
    """The configuration ``name`` stands for; a ValueError that lists the choices when it stands for none."""
    if name in named:
        return named[name]
    if name in MODELS:
        return ModelConfig(name=name)
    if Path(name).expanduser().is_dir():
        return ModelConfig(path=str(Path(name).expanduser()))
    choices = ", ".join([*named, *MODELS.names()]) or "none"
    raise ValueError(f"no model {name!r}: name one under `models:` ({choices}), a packaged model or a model folder")


class ModelPool:
    def __init__(self, named: dict[str, ModelConfig], base: Backend, seed: int):
        self.named, self.base, self.seed = named, base, seed
        self.loaded: dict[str, Backend] = {}

    def get(self, name: str | None) -> Backend:
        if name in (None, "base"):
            return self.base
        if name not in self.loaded:
            try:
                config = model_config_for(name, self.named)
            except ValueError as exc:
                raise TunewiseError(str(exc)) from None
            self.loaded[name] = load_base(config, self.seed)
        return self.loaded[name]

    def spending(self, base: Backend, prices: dict) -> Callable[[], float]:
        """Dollars spent from now on by models billed per token (``base`` and every other model), at ``prices``."""
        start_base, start = base.work.copy(), self.snapshot()

        def usd(backend: Backend, work: Work) -> float:
            price = prices.get(backend.name)
            return price.usd(work.read_tokens, work.generated_tokens) if backend.bills_tokens and price else 0.0

        def spent() -> float:
            others = sum(
                usd(b, b.work.since(start.get(name, Work()))) for name, b in self.loaded.items() if b is not base
            )
            return usd(base, base.work.since(start_base)) + others

        return spent

    def snapshot(self) -> dict[str, Work]:
        return {name: backend.work.copy() for name, backend in self.loaded.items()}

    def used_since(self, before: dict[str, Work], base: Backend, measured: dict | None = None) -> list[dict]:
        """Work each model other than ``base`` did since ``before`` for a method (its teachers and proposers),
        less what the method reports as measurement only (``measured``: model name -> work)."""
        used = []
        for name, backend in self.loaded.items():
            work = backend.work.since(before.get(name, Work())).since(Work(**(measured or {}).get(backend.name, {})))
            if backend is not base and (work.read_tokens or work.generated_tokens):
                used.append(work_entry(backend, work))
        return used
