"""Dynamic batching: requests from many clients that arrive within a short window and can share a forward
pass (the same served model, kind and parameters) run as one batch on the model. One worker thread owns the
model, so no two batches ever run on it at once. At most ``limit`` requests wait; past that a request is
refused at once (HTTP 429 with Retry-After) instead of queueing without bound."""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field


class Overloaded(Exception):
    """More requests are waiting than the server accepts."""


@dataclass
class _Request:
    key: Hashable  # requests with equal keys can share a batch
    payload: object
    run: Callable[[list], list]  # payloads -> results, one per payload, in order
    done: asyncio.Future = field(default=None)


class Batcher:
    def __init__(self, window: float = 0.01, limit: int = 64, max_batch: int = 32):
        self.window, self.limit, self.max_batch = window, limit, max_batch
        self.model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tunewise-model")
        self.waiting: list[_Request] = []
        self.streaming = 0  # streamed answers waiting for or holding the model thread
        self.wake: asyncio.Event | None = None
        self.worker: asyncio.Task | None = None
        self.batches: deque[int] = deque(maxlen=1000)  # sizes of the latest batches run, for tests and benches

    async def submit(self, key: Hashable, payload, run: Callable[[list], list]):
        self._admit()
        request = _Request(key, payload, run, asyncio.get_running_loop().create_future())
        self.waiting.append(request)
        self._start()
        self.wake.set()
        return await request.done

    async def exclusive(self, work: Callable[[], object]):
        """Run ``work`` on the model thread by itself (a streamed answer), between batches; it counts towards
        the limit like a waiting request."""
        self._admit()
        self.streaming += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.model_thread, work)
        finally:
            self.streaming -= 1

    def _admit(self) -> None:
        waiting = len(self.waiting) + self.streaming
        if waiting >= self.limit:
            raise Overloaded(f"{waiting} requests are waiting; try again shortly")

    def _start(self) -> None:
        if self.worker is None or self.worker.done():
            self.wake = asyncio.Event()
            self.worker = asyncio.get_running_loop().create_task(self._loop())

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self.wake.wait()
            self.wake.clear()
            await asyncio.sleep(self.window)  # let the requests of this moment gather
            while self.waiting:
                batch = self._take()
                if batch:
                    self.batches.append(len(batch))
                    await self._run(loop, batch)

    async def _run(self, loop, batch: list[_Request]) -> None:
        try:
            results = await loop.run_in_executor(self.model_thread, batch[0].run, [r.payload for r in batch])
            outcomes = list(zip(batch, results, strict=True))
        except Exception as exc:  # noqa: BLE001  (the clients get the error, the server keeps serving)
            if len(batch) > 1:  # one bad request must not fail the others: each alone
                for request in batch:
                    await self._run(loop, [request])
                return
            if not batch[0].done.done():
                batch[0].done.set_exception(exc)
            return
        for request, result in outcomes:
            if not request.done.done():  # a client that went away cancelled its own
                request.done.set_result(result)

    def _take(self) -> list[_Request]:
        """The oldest request and those waiting with the same key, up to ``max_batch`` (requests whose client
        went away are dropped)."""
        self.waiting = [r for r in self.waiting if not r.done.done()]
        if not self.waiting:
            return []
        groups: dict[Hashable, list[_Request]] = defaultdict(list)
        for request in self.waiting:
            groups[request.key].append(request)
        batch = groups[self.waiting[0].key][: self.max_batch]
        taken = {id(r) for r in batch}
        self.waiting = [r for r in self.waiting if id(r) not in taken]
        return batch
