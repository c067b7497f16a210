"""A base model served as it is, the way vLLM or llama.cpp's server offer one: the client's messages through the
model's own chat template, no tunewise prompt program, text generated. This is what lets one machine act as
"the strong model behind an API" for another experiment, and what a tuned run is compared with in a chat."""

from __future__ import annotations

import time

from tunewise.core.adapted import Adapted
from tunewise.core.prompt import PromptProgram
from tunewise.models.config import ModelConfig
from tunewise.models.load import load_base
from tunewise.serve.catalog import Served
from tunewise.tasks.task import Task

DEFAULT_MAX_TOKENS = 256  # a chat answer's budget when the client gives no max_tokens


def served_base(config: ModelConfig) -> Served:
    backend = load_base(config)
    task = Task(
        type="generation",
        template="{input}",
        target_field="",
        labels=None,
        metric="exact_match",
        max_new_tokens=min(DEFAULT_MAX_TOKENS, config.max_length // 2),
        stop=(),  # a plain model ends its turn by itself; the client may give stop sequences
    )
    adapted = Adapted(method="base", backend=backend, program=PromptProgram())
    name = config.label if config.name or config.api else backend.name
    card = (
        f"# {name}\n\nThe base model {name}, served as it is by tunewise: no prompt program, no tuning. "
        "Outputs are machine-generated and unevaluated here; compare it with tuned runs in an experiment.\n"
    )
    return Served(name, 0, "", "base", adapted, task, created=int(time.time()), card=card)
