"""Several served LoRA runs over one copy of the base weights: PEFT's multi-adapter model, one named adapter per
run, each run's backend making its own adapter the active one before it reads (`HFBackend.network`). Serving
only: a run being trained always gets a copy of its own."""

from __future__ import annotations

from pathlib import Path

from tunewise.models.safe import add_adapter, load_adapter


class SharedAdapters:
    def __init__(self, base_model):
        self.base_model, self.model, self.names = base_model, None, []

    def attach(self, weights: Path):
        """The shared model and the name of the adapter just read into it."""
        name = f"run{len(self.names)}"
        if self.model is None:
            self.model = load_adapter(self.base_model, weights, name=name)  # the one copy of the base
        else:
            add_adapter(self.model, weights, name)
        self.names.append(name)
        return self.model, name
