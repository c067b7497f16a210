"""The playground: one conversation put to several completed runs side by side, each answered through serve's own
answer path (the run's prompt program around the messages; a label scored over every label, or text generated),
so what a person sees here is what ``tunewise serve`` and ``tunewise chat`` would answer.

Ids: a run id (``7`` or ``"7"``) asks that completed run. ``"base:<experiment>"`` asks the base model that
experiment adapted (its ``model:`` section, loaded with the experiment's settings), wrapped as ``tunewise serve
--model`` wraps a base model: the messages through its own chat template, nothing added, text generated.

Loading a run reads its base model and artifact, which is slow, so loaded runs are kept, at most ``capacity``
at once, the least recently asked dropped first. FastAPI runs sync routes in a thread pool: the cache is guarded
by a lock, a run two requests ask for at once is loaded once, and answers are computed one at a time (serve
keeps its models on one thread too: a backend's tokenizer settings and active adapter are not safe to share)."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass

from pydantic import ValidationError

from tunewise.core.errors import TunewiseError
from tunewise.models.hf import Sampling
from tunewise.models.load import load_base
from tunewise.run.config import config_from_snapshot
from tunewise.serve import answer as serving
from tunewise.serve.base_model import wrap_base
from tunewise.serve.catalog import Served, served_runs
from tunewise.serve.schema import Message
from tunewise.store import Store

log = logging.getLogger(__name__)

BASE_PREFIX = "base:"
MAX_RUNS = 4  # side by side on one page; each loaded run holds a model in memory
MAX_MESSAGES = 64
MAX_CONTENT = 20_000  # characters in one message: a playground turn, not a document to process
MAX_CONVERSATION = 100_000  # characters in all messages together
MAX_TEMPERATURE = 2.0  # as the OpenAI API (and serve) allow
ROLES = ("system", "user", "assistant")


@dataclass
class Answer:
    """One run's answer, or why it has none (``error``; ``text`` is then None)."""

    asked: str  # the id as asked, normalised: "7" or "base:reviews"
    run_id: int | None  # None for a base model or an id that names no run
    model_id: str | None  # "experiment/method_id", or "experiment/base"; None when it could not be loaded
    method: str | None
    text: str | None
    label_scores: dict[str, float] | None  # classification: each label's log-likelihood, likeliest first
    seconds: float  # answering only; a first load is in load_seconds
    load_seconds: float = 0.0  # 0 when the run was already loaded
    error: str | None = None


class Playground:
    def __init__(self, store: Store, capacity: int = MAX_RUNS):
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.store, self.capacity = store, capacity
        self.loads: Counter[str] = Counter()  # how often each id was read back from the store
        self._loaded: OrderedDict[str, Served] = OrderedDict()  # least recently asked first
        self._loading: dict[str, threading.Lock] = {}  # one per id being loaded, so it is loaded once
        self._lock = threading.Lock()  # guards _loaded, _loading and loads
        self._answering = threading.Lock()

    def ask(
        self, run_ids: list[int | str], messages: list[dict], temperature: float = 0.0, seed: int | None = None
    ) -> list[Answer]:
        """Each run's answer to the conversation, in the order asked. A run that cannot answer (failed, unknown,
        its artifact gone) gets an entry with its error; the others still answer. Bad input (no messages, the
        last not from the user, too many runs, content too long) raises ValueError before any run loads.
        ``seed``: the draw when ``temperature`` is above 0 (every run gets the same); random when None."""
        keys = checked_ids(run_ids)
        conversation = checked_messages(messages)
        sampling = Sampling(checked_temperature(temperature), 1.0, _seed(seed))
        return [self._answer(key, conversation, sampling) for key in keys]

    def loaded(self) -> list[str]:
        """The ids loaded now, least recently asked first."""
        with self._lock:
            return list(self._loaded)

    def _answer(self, key: str, messages: list[Message], sampling: Sampling) -> Answer:
        started = time.perf_counter()
        try:
            served = self._served(key)
            loaded = time.perf_counter()
            with self._answering:
                text, scores = reply(served, messages, sampling)
        except Exception as exc:  # one run that cannot answer must not take the others' answers with it
            return Answer(key, _run_id(key), None, None, None, None, seconds=0.0, error=_why(exc))
        took = time.perf_counter() - loaded
        return Answer(
            key, served.run_id, served.model_id, served.method, text, scores, took, load_seconds=loaded - started
        )

    def _served(self, key: str) -> Served:
        with self._lock:
            if (served := self._cached(key)) is not None:
                return served
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:  # outside the cache lock: runs already loaded keep answering meanwhile
            try:
                with self._lock:
                    if (served := self._cached(key)) is not None:  # loaded by another thread while this one waited
                        return served
                served = load_served(self.store, key)
                with self._lock:
                    self.loads[key] += 1
                    self._keep(key, served)
                return served
            finally:
                with self._lock:
                    if self._loading.get(key) is loading:
                        del self._loading[key]

    def _cached(self, key: str) -> Served | None:
        served = self._loaded.get(key)
        if served is not None:
            self._loaded.move_to_end(key)
        return served

    def _keep(self, key: str, served: Served) -> None:
        self._loaded[key] = served
        while len(self._loaded) > self.capacity:
            self._loaded.popitem(last=False)  # its model is freed once no answer in progress holds it


def load_served(store: Store, key: str) -> Served:
    """The run (or base model) ``key`` names, loaded to answer; TunewiseError when it names none."""
    if key.startswith(BASE_PREFIX):
        return base_of(store, key.removeprefix(BASE_PREFIX))
    if not _is_number(key):
        raise TunewiseError(f"{key!r} is neither a run id nor {BASE_PREFIX}<experiment>")
    (served,) = served_runs(store, key)
    return served


def base_of(store: Store, experiment: str) -> Served:
    """The base model ``experiment`` adapted, served as it is under the id "experiment/base"."""
    config = config_from_snapshot(store.experiment_config(experiment), experiment)
    served = wrap_base(load_base(config.model, config.seed), f"{experiment}/base")
    return dataclasses.replace(served, experiment=experiment)


def reply(served: Served, messages: list[Message], sampling: Sampling) -> tuple[str, dict[str, float] | None]:
    """The answer and, for a classification run, each label's score, as ``tunewise chat`` computes them."""
    budget = serving.reserve(served, None)
    prompt = serving.chat_prompt(served, messages, budget)
    if served.task.is_classification:
        (choice,) = serving.classify(served, [prompt], sampling, 1, None)[0]
        return choice.text, label_scores(served, choice)
    (generated,) = serving.generate(served, [prompt], budget, None, sampling)
    return generated.text, None


def label_scores(served: Served, choice: serving.Answer) -> dict[str, float]:
    """The labels' scores from a classified answer's logprobs, which name each label by its answer word."""
    program = served.adapted.program
    label_of = {program.answer_for(label): label for label in served.task.labels}
    return {label_of[alt["token"]]: alt["logprob"] for alt in choice.logprobs[0]["top_logprobs"]}


def checked_ids(run_ids) -> list[str]:
    if not isinstance(run_ids, list | tuple) or not run_ids:
        raise ValueError("choose at least one run to ask")
    if len(run_ids) > MAX_RUNS:
        raise ValueError(f"{len(run_ids)} runs chosen; the playground asks at most {MAX_RUNS} at once")
    keys = [_key(run_id) for run_id in run_ids]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise ValueError(f"{', '.join(twice)} chosen more than once; choose each run once")
    return keys


def _key(run_id) -> str:
    if isinstance(run_id, bool) or not isinstance(run_id, int | str):
        raise ValueError(f"a run id is a number or {BASE_PREFIX}<experiment>, got {run_id!r}")
    key = str(run_id).strip()
    if not key or len(key) > 300:
        raise ValueError(f"a run id is a number or {BASE_PREFIX}<experiment>, got {run_id!r}")
    return str(int(key)) if _is_number(key) else key


def _is_number(key: str) -> bool:
    return key.isascii() and key.isdigit()


def checked_messages(messages) -> list[Message]:
    if not isinstance(messages, list) or not messages:
        raise ValueError("write a message to send")
    if len(messages) > MAX_MESSAGES:
        raise ValueError(f"{len(messages)} messages; the playground keeps at most {MAX_MESSAGES}: start a new chat")
    checked = [_message(number, message) for number, message in enumerate(messages, 1)]
    total = sum(len(message.content) for message in checked)
    if total > MAX_CONVERSATION:
        raise ValueError(f"the conversation is {total:,} characters; at most {MAX_CONVERSATION:,}: start a new chat")
    if checked[-1].role != "user":
        raise ValueError("the last message must come from the user")
    if not checked[-1].content.strip():
        raise ValueError("the last message is empty; write something to send")
    return checked


def _message(number: int, message) -> Message:
    if not isinstance(message, dict) or set(message) - {"role", "content"}:
        raise ValueError(f"message {number}: expected {{role, content}}, got {str(message)[:80]!r}")
    role, content = message.get("role"), message.get("content", "")
    if role not in ROLES:
        raise ValueError(f"message {number}: role must be one of {', '.join(ROLES)}, got {role!r}")
    if not isinstance(content, str):
        raise ValueError(f"message {number}: content must be text, got {type(content).__name__}")
    if len(content) > MAX_CONTENT:
        raise ValueError(f"message {number} is {len(content):,} characters; at most {MAX_CONTENT:,}")
    try:
        return Message(role=role, content=content)
    except ValidationError as exc:
        raise ValueError(f"message {number}: {exc.errors()[0]['msg']}") from None


def checked_temperature(temperature) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, int | float):
        raise ValueError(f"temperature must be a number, got {temperature!r}")
    if not 0.0 <= temperature <= MAX_TEMPERATURE:  # also refuses NaN
        raise ValueError(f"temperature must be between 0 and {MAX_TEMPERATURE:g}, got {temperature}")
    return float(temperature)


def _seed(seed: int | None) -> int:
    if seed is None:
        return secrets.randbelow(2**32)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be a whole number from 0 to 2**32 - 1, got {seed!r}")
    return seed


def _run_id(key: str) -> int | None:
    return int(key) if _is_number(key) else None


def _why(exc: Exception) -> str:
    if isinstance(exc, TunewiseError | ValueError):  # ours, or serve's BadRequest: already a sentence for people
        return str(exc)
    if isinstance(exc, OSError):  # a run's files moved or removed since it was stored
        return f"its files cannot be read: {exc}"
    log.exception("the playground could not answer")  # anything else is a bug: keep its traceback in the log
    return f"{type(exc).__name__}: {exc}"
