"""The micro-batcher: concurrent submissions share model calls, keep their order, share failures."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from api.batcher import MicroBatcher


def test_concurrent_requests_are_scored_together_in_order() -> None:
    calls: list[list[int]] = []

    def score(items: Sequence[int]) -> list[int]:
        calls.append(list(items))
        return [i * 10 for i in items]

    async def main() -> list[int]:
        batcher = MicroBatcher(score, max_size=64, max_wait_seconds=0.01)
        batcher.start()
        try:
            return await asyncio.gather(*(batcher.submit(i) for i in range(100)))
        finally:
            await batcher.stop()

    results = asyncio.run(main())
    assert results == [i * 10 for i in range(100)]
    assert max(len(c) for c in calls) == 64  # capped at max_size
    assert len(calls) < 10  # not one call per request
    assert [i for c in calls for i in c] == list(range(100))


def test_a_failing_batch_fails_each_of_its_requests() -> None:
    def score(items: Sequence[int]) -> list[int]:
        raise ValueError("model exploded")

    async def main() -> list[object]:
        batcher = MicroBatcher(score, max_size=8, max_wait_seconds=0.001)
        batcher.start()
        try:
            return await asyncio.gather(*(batcher.submit(i) for i in range(5)), return_exceptions=True)
        finally:
            await batcher.stop()

    results = asyncio.run(main())
    assert all(isinstance(r, ValueError) for r in results)


def test_a_lone_request_is_not_held_for_company() -> None:
    async def main() -> float:
        batcher = MicroBatcher(lambda items: list(items), max_size=256, max_wait_seconds=5.0)
        batcher.start()
        try:
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            assert await batcher.submit("x") == "x"
            return loop.time() - t0
        finally:
            await batcher.stop()

    # Greedy gathering stops when a loop pass adds nothing: far below max_wait.
    assert asyncio.run(main()) < 2.5


def test_score_returning_wrong_count_is_an_error() -> None:
    async def main() -> None:
        batcher = MicroBatcher(lambda items: [1], max_size=8, max_wait_seconds=0.01)
        batcher.start()
        try:
            await asyncio.gather(batcher.submit(1), batcher.submit(2))
        finally:
            await batcher.stop()

    with pytest.raises(RuntimeError, match="scored 1 results for 2"):
        asyncio.run(main())
