"""Fixtures of the live-recording tests: a fake-clock event loop and a test session."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

#: Longest a test coroutine may run, on the fake clock. [s]
FAKE_TIMEOUT_S = 4 * 3600.0


@pytest.fixture
def run_fast() -> Callable[[Coroutine[Any, Any, T]], T]:
    """Run a coroutine on a looptime event loop (fake clock starting at time.monotonic)."""
    looptime = pytest.importorskip("looptime")

    def run(coro: Coroutine[Any, Any, T]) -> T:
        loop = looptime.new_event_loop(start=time.monotonic, noop_cycles=1)
        try:
            return loop.run_until_complete(asyncio.wait_for(coro, FAKE_TIMEOUT_S))
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    return run
