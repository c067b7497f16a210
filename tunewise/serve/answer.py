"""Answering a request with a served run: the run's own prompt program around the client's messages, a label
scored (classification) or text generated, with logprobs where asked."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from tunewise.core.fitting import fit_prompt
from tunewise.core.label_scores import label_scores
from tunewise.evaluate.predict import answer_reserve
from tunewise.models.hf import Sampling, cut_at_stop
from tunewise.serve.catalog import Served
from tunewise.serve.schema import Message

__all__ = ["Answer", "BadRequest", "chat_prompt", "classify", "cut_at_stop", "generate", "reserve", "stops_for"]


class BadRequest(ValueError):
    """A request the API refuses with 400; ``param`` names the field."""

    def __init__(self, message: str, param: str | None = None, code: str | None = None, status: int = 400):
        super().__init__(message)
        self.param, self.code, self.status = param, code, status


@dataclass
class Answer:
    text: str
    finish_reason: str  # "stop" or "length"
    completion_tokens: int
    logprobs: list[dict] | None = None  # OpenAI chat logprobs "content" entries


def chat_prompt(served: Served, messages: list[Message], reserve: int) -> str:
    """The run's system prompt (then the client's), its demonstrations, the conversation so far as earlier
    turns, and the last user message as the input, fitted to the context as evaluation fits it: when it does
    not fit, the run's demonstrations go first, then the oldest turns."""
    if messages[-1].role != "user":
        raise BadRequest("the last message must come from the user", param="messages")
    program = served.adapted.program
    systems = [m.content for m in messages if m.role == "system"]
    turns, pending = [], None
    for message in messages[:-1]:
        if message.role == "user":
            pending = message.content
        elif message.role == "assistant" and pending is not None:
            turns.append((pending, message.content))
            pending = None
    system = " ".join(part for part in (program.system, *systems) if part) or None
    chat = dataclasses.replace(program, system=system, demos=[*program.demos_for(messages[-1].content), *turns])
    chat.select_demos = None
    chat.demos_first_matter = False  # the conversation is at the end: what goes first is the oldest
    return fit_prompt(served.adapted.backend, chat, messages[-1].content, reserve)[0]


def reserve(served: Served, max_tokens: int | None) -> int:
    return answer_reserve(served.adapted, served.task) if served.task.is_classification else _budget(served, max_tokens)


def _budget(served: Served, max_tokens: int | None) -> int:
    budget = max_tokens or served.adapted.program.max_new_tokens or served.task.max_new_tokens
    if budget >= served.adapted.backend.max_length:
        raise BadRequest(
            f"max_tokens {budget} leaves no room for a prompt in this model's context of "
            f"{served.adapted.backend.max_length} tokens",
            param="max_tokens",
            code="context_length_exceeded",
        )
    return budget


def classify(served: Served, prompts: list[str], sampling: Sampling, n: int, top: int | None) -> list[list[Answer]]:
    """The run's label for each prompt, scored over every label as evaluation scored it (the same function, with
    the run's calibration), sampled from those scores only when the client sets a temperature; logprobs are the
    labels' scores (their log-likelihoods, when the run is not calibrated)."""
    labels, program = served.task.labels, served.adapted.program
    words = [program.answer_for(label) for label in labels]
    scores = label_scores(served.adapted.backend, program, labels, prompts)
    rng = np.random.default_rng(sampling.seed)
    out = []
    for row in scores:
        picks = [_pick(row, sampling, rng) for _ in range(n)]
        entries = [_label_logprobs(words, row, i, top) for i in picks]
        out.append([Answer(labels[i], "stop", 1, entry) for i, entry in zip(picks, entries, strict=True)])
    return out


def _pick(row: np.ndarray, sampling: Sampling, rng) -> int:
    if sampling.temperature <= 0:
        return int(np.argmax(row))
    weights = np.exp((row - row.max()) / sampling.temperature)
    return int(rng.choice(len(row), p=weights / weights.sum()))


def _label_logprobs(words: list[str], row: np.ndarray, chosen: int, top: int | None) -> list[dict]:
    ranked = np.argsort(-row)[: top if top is not None else len(words)]
    alternatives = [{"token": words[i], "logprob": float(row[i]), "bytes": list(words[i].encode())} for i in ranked]
    return [
        {
            "token": words[chosen],
            "logprob": float(row[chosen]),
            "bytes": list(words[chosen].encode()),
            "top_logprobs": alternatives,
        }
    ]


def stops_for(served: Served, stop: list[str] | None) -> list[str]:
    """The client's stop sequences, else the run's: none for a reasoning program (it writes several lines before
    its answer, as it did when it was measured), the task's otherwise."""
    if stop is not None:
        return stop
    return [] if served.adapted.program.reasoning else list(served.task.stop)


def generate(
    served: Served,
    prompts: list[str],
    max_tokens: int,
    stop: list[str] | None,
    sampling: Sampling,
    streamer=None,
    stopping=None,
) -> list[Answer]:
    """``stopping()`` true ends the generation at the next token (a streamed client that went away)."""
    backend = served.adapted.backend
    stops = stops_for(served, stop)
    texts = backend.generate(prompts, max_tokens, stops, sampling=sampling, streamer=streamer, stopping=stopping)
    answers = []
    for text in texts:
        tokens = backend.count_tokens(text)
        answers.append(Answer(text, "length" if tokens >= max_tokens else "stop", tokens))
    return answers
