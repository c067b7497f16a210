"""A model behind an OpenAI-compatible server as a ``Backend``: generation through chat completions; labels
scored by their logprobs through ``/v1/completions`` (``echo``) where the server offers it, else read from a
chat reply; token counts and therefore prices from the server's ``usage``.

Work counts every request's billed tokens, answered from the cache or not, because it prices what a request
costs in production; ``spent`` counts only what this process actually paid for."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

from tunewise.core.backend import Work
from tunewise.core.errors import TunewiseError
from tunewise.core.progress import progress
from tunewise.models.api.cache import ResponseCache
from tunewise.models.api.client import UNSUPPORTED, ApiClient, ApiError
from tunewise.models.api.config import ApiConfig
from tunewise.models.api.text import as_text, estimate_tokens, messages_of, parse_label, wire
from tunewise.models.hf import cut_at_stop

LABEL_REPLY_TOKENS = 24  # a chat reply that should name one label
UNCHOSEN = -1e4  # a label the reply did not give (finite, so later corrections stay numbers)


class NoLogprobs(TunewiseError):
    """The server answered an echo request without logprobs: it does not score text."""


class ApiPlacement:
    """Where an API model runs, as a run records it (in place of a local device)."""

    def __init__(self, backend: APIBackend):
        self.backend = backend

    def record(self) -> dict:
        config = self.backend.config
        return {
            "device": "api",
            "dtype": "n/a",
            "hardware": f"api {config.host}",
            "model": config.model,
            "label_scoring": self.backend.label_mode,
            **self.backend.client.stats.as_dict(),
            "unparsed_replies": self.backend.unparsed,
            "spent": self.backend.spent.as_dict(),
        }


class APIBackend:
    bills_tokens = True  # priced by its tokens (``prices.models``), not by device time

    def __init__(self, config: ApiConfig, max_length: int, key: str | None, cache: ResponseCache | None):
        self.config, self.name, self.max_length = config, config.model, max_length
        self.client, self.cache = ApiClient(config, key), cache
        self.work, self.spent = Work(), Work()
        self.placement = ApiPlacement(self)
        self.label_mode: str | None = None if config.label_scoring == "auto" else config.label_scoring
        self.unparsed = 0
        self._lock = threading.Lock()
        self._use_cache = True

    # -- the Backend protocol ----------------------------------------------------------------------------------
    def render(self, messages: list[dict[str, str]]) -> str:
        return wire(messages)

    def count_tokens(self, text: str) -> int:
        """An estimate, the same every time, so a prompt is fitted to the context the same way in every run
        and in the server; what a request costs comes from the server's own count (``usage``)."""
        return estimate_tokens(text)

    def parameter_count(self) -> int:
        return 0  # not known for a remote model; it is priced by its tokens

    def generate(
        self,
        prompts: Sequence[str],
        max_new_tokens: int,
        stop: Sequence[str],
        desc: str = "",
        sampling=None,
        streamer=None,
        stopping=None,
    ) -> list[str]:
        """Chat completions, greedy unless ``sampling`` (a served request's temperature, top_p and seed) says
        otherwise. Sampled answers are never cached, and each prompt of a batch draws with its own seed (a
        request for n answers sends one prompt n times). Tokens are not streamed from an API model."""
        if streamer is not None:
            raise TunewiseError(f"{self.name} is behind an API: its answers are not streamed here")
        stops = [s for s in stop if s]
        sent = stops[:4]  # the OpenAI API takes at most four; the rest are cut here

        def one(indexed: tuple[int, str]) -> str:
            index, prompt = indexed
            body = {"model": self.name, "messages": messages_of(prompt), "max_tokens": max_new_tokens}
            body |= (
                {"temperature": 0}
                if sampling is None or sampling.temperature <= 0
                else {"temperature": sampling.temperature, "top_p": sampling.top_p, "seed": sampling.seed + index}
            )
            body |= {"stop": sent} if sent else {}
            response = self._request("chat", body, cache=body["temperature"] == 0)
            return cut_at_stop(response["choices"][0]["message"]["content"] or "", stops)

        return self._each(one, list(enumerate(prompts)), desc)

    def score(self, prompts: Sequence[str], candidates: Sequence[str], desc: str = "") -> np.ndarray:
        mode = self._label_mode()
        scorer = self._scored_by_logprobs if mode == "logprobs" else self._scored_by_reply
        rows = self._each(lambda prompt: scorer(prompt, list(candidates)), list(prompts), desc)
        return np.array(rows, dtype=float).reshape(len(prompts), len(candidates))

    def text_log_likelihood(self, texts: Sequence[str], desc: str = "") -> tuple[float, int]:
        def one(text: str) -> tuple[float, int]:
            logprobs = self._echo([text])["choices"][0]["logprobs"]["token_logprobs"]
            known = [lp for lp in logprobs if lp is not None]
            return float(sum(known)), len(known)

        parts = self._each(one, [t for t in texts if t], desc)
        return sum(p[0] for p in parts), sum(p[1] for p in parts)

    @contextlib.contextmanager
    def fresh(self) -> Iterator[None]:
        """Requests inside are sent, never answered from the cache (latency is measured on real requests)."""
        self._use_cache = False
        try:
            yield
        finally:
            self._use_cache = True

    # -- labels --------------------------------------------------------------------------------------------------
    def label_scoring(self) -> str:
        """How ``score`` reads text here: 'logprobs' (the server echoes them) or 'generate' (a reply read back).
        An LLM judge asks, to parse a reply itself and keep it when the server gives no logprobs."""
        return self._label_mode()

    def _label_mode(self) -> str:
        """logprobs when the server scores echoed text on /v1/completions (probed once), else generate."""
        if self.label_mode is None:
            try:
                self._echo(["Hello"])
                self.label_mode = "logprobs"
            except ApiError as exc:  # only "not offered here" means read the reply; other failures are failures
                if exc.status not in UNSUPPORTED:
                    raise
                self.label_mode = "generate"
            except NoLogprobs:
                self.label_mode = "generate"
        return self.label_mode

    def _scored_by_logprobs(self, prompt: str, candidates: list[str]) -> list[float]:
        """Each candidate's summed token logprobs after the prompt's text, all candidates in one request."""
        text = as_text(messages_of(prompt), self.config.chat_format)
        response = self._echo([text + c for c in candidates])
        rows = []
        for choice in sorted(response["choices"], key=lambda c: c["index"]):
            logprobs = choice["logprobs"]
            pairs = zip(logprobs["token_logprobs"], logprobs["tokens"], logprobs["text_offset"], strict=True)
            # A token belongs to the candidate when it ends past the prompt (one that straddles counts too).
            rows.append(float(sum(lp for lp, token, at in pairs if lp is not None and at + len(token) > len(text))))
        return rows

    def _scored_by_reply(self, prompt: str, candidates: list[str]) -> list[float]:
        reply = self.generate([prompt], LABEL_REPLY_TOKENS, ())[0]
        chosen = parse_label(reply, candidates)
        if chosen is None:
            with self._lock:
                self.unparsed += 1
            return [0.0] * len(candidates)
        return [0.0 if i == chosen else UNCHOSEN for i in range(len(candidates))]

    def _echo(self, texts: list[str]) -> dict:
        body = {"model": self.name, "prompt": texts, "max_tokens": 0, "echo": True, "logprobs": 0, "temperature": 0}
        response = self._request("completions", body)
        for choice in response["choices"]:
            if not (choice.get("logprobs") or {}).get("token_logprobs"):
                raise NoLogprobs(f"{self.name} at {self.config.base_url} returned no logprobs for echoed text")
        return response

    # -- requests ------------------------------------------------------------------------------------------------
    def _request(self, endpoint: str, body: dict, cache: bool = True) -> dict:
        cache = cache and self.cache is not None
        key = ResponseCache.key(self.config.base_url, endpoint, body, self.config.cache_namespace)
        response = self.cache.get(key) if cache and self._use_cache else None
        if response is None:
            response = self.client.call(endpoint, body)
            response = {"choices": response["choices"], "usage": response.get("usage")}
            if cache:
                self.cache.put(key, response)
            fresh = True
        else:
            self.client.count_cached()
            fresh = False
        usage = response.get("usage") or {}
        read = usage.get("prompt_tokens") or sum(estimate_tokens(t) for t in _texts(body))
        generated = usage.get("completion_tokens") or 0
        with self._lock:
            for work in (self.work, self.spent) if fresh else (self.work,):
                work.read_tokens += read
                work.generated_tokens += generated
        return response

    def _each(self, one: Callable, items: list, desc: str) -> list:
        """``one(item)`` for every item, ``max_concurrency`` at a time, in order, with a progress bar."""
        if not items:
            return []
        bar = progress(total=len(items), desc=desc, unit="req")
        pool = ThreadPoolExecutor(self.config.max_concurrency)
        futures = {pool.submit(one, item): i for i, item in enumerate(items)}
        results: list = [None] * len(items)
        try:
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update(1)
        except BaseException:
            # A failure (or Ctrl-C) stops at once: queued requests are dropped, those in flight are not awaited.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            bar.close()
        pool.shutdown()
        return results


def _texts(body: dict) -> list[str]:
    if "messages" in body:
        return [wire(body["messages"])]
    return list(body["prompt"])
