"""Adaptive micro-batching: concurrent single requests share one vectorised model call.

The first request wakes the worker, which waits up to `max_wait` for company (or until `max_size`
requests queue), then scores them together in a thread while new requests gather for the next call,
as the dynamic batchers of Triton and BentoML do. Under light load a request waits at most
`max_wait`; under heavy load batches grow and the per-request model cost falls.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import Any


class MicroBatcher:
    """Queue of (item, future); one worker drains it in batches through `score(items) -> results`."""

    def __init__(
        self,
        score: Callable[[Sequence[Any]], Sequence[Any]],
        max_size: int,
        max_wait_seconds: float,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._score = score
        self.max_size = max_size
        self.max_wait = max_wait_seconds
        self._on_batch = on_batch
        self._pending: list[tuple[Any, asyncio.Future]] = []
        self._wake = asyncio.Event()
        self._worker: asyncio.Task | None = None

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="micro-batcher")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        for _, fut in self._pending:
            if not fut.done():
                fut.set_exception(RuntimeError("the API is shutting down"))
        self._pending.clear()

    async def submit(self, item: Any) -> Any:
        fut = asyncio.get_running_loop().create_future()
        self._pending.append((item, fut))
        if len(self._pending) == 1 or len(self._pending) >= self.max_size:
            self._wake.set()
        return await fut

    async def _gather(self) -> None:
        """Let requests already in flight join: yield to the loop until a pass adds none, the batch
        is full, or `max_wait` is up. No fixed sleep, so an idle loop never waits for company."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        seen = -1
        while len(self._pending) != seen and len(self._pending) < self.max_size and loop.time() < deadline:
            seen = len(self._pending)
            await asyncio.sleep(0)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self._pending:
                continue
            await self._gather()
            batch = self._pending[: self.max_size]
            del self._pending[: self.max_size]
            items = [item for item, _ in batch]
            try:
                results = await asyncio.to_thread(self._score, items)
                if len(results) != len(items):
                    raise RuntimeError(f"scored {len(results)} results for {len(items)} requests")
            except Exception as exc:  # every waiting request learns of the failure
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
            else:
                for (_, fut), result in zip(batch, results, strict=True):
                    if not fut.done():  # the client may have gone away
                        fut.set_result(result)
            if self._on_batch is not None:
                self._on_batch(len(items))
            if self._pending:
                self._wake.set()
