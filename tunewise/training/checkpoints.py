"""Resumable training: Trainer's own checkpoints (weights, optimizer, scheduler, RNG, data position) plus
tunewise's state (best weights so far, validation history, tokens counted, time spent), written last and
atomically. A checkpoint folder without tunewise's state file was cut short by a kill and is never used."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

import torch
from transformers import TrainerCallback

STATE_FILE = "tunewise_state.pt"


class Stateful(Protocol):
    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict) -> None: ...


class SaveTrainingState(TrainerCallback):
    """After Trainer writes ``checkpoint-<step>``, add the state of tunewise's own training parts to it."""

    def __init__(self, parts: dict[str, Stateful]):
        self.parts = parts

    def on_save(self, args, state, control, **kwargs):
        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        partial = folder / f".{STATE_FILE}.partial"
        torch.save({name: part.state_dict() for name, part in self.parts.items()}, partial)
        os.replace(partial, folder / STATE_FILE)


def latest_checkpoint(directory: Path) -> Path | None:
    """The newest complete checkpoint under ``directory``, or None."""
    found = []
    for folder in directory.glob("checkpoint-*") if directory.is_dir() else []:
        match = re.fullmatch(r"checkpoint-(\d+)", folder.name)
        if match and (folder / STATE_FILE).is_file():
            found.append((int(match.group(1)), folder))
    return max(found)[1] if found else None


def checkpoint_step(checkpoint: Path) -> int:
    return int(checkpoint.name.rsplit("-", 1)[1])


def restore_training_state(parts: dict[str, Stateful], checkpoint: Path) -> None:
    # weights_only: the file holds tensors, numbers and lists only, so nothing in it can run code.
    saved = torch.load(checkpoint / STATE_FILE, map_location="cpu", weights_only=True)
    for name, part in parts.items():
        part.load_state_dict(saved[name])
