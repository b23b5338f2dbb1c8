"""Which coroutine functions can never suspend, read from their code."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from typing import Any

from fastapi_maintenance._support.coroutines import never_suspends


async def answers(value: bool) -> bool:
    if value:
        return True
    for _ in range(3):
        value = not value
    return value


async def awaits() -> None:
    await asyncio.sleep(0)


async def enters(lock: asyncio.Lock) -> None:
    async with lock:
        pass


async def iterates(items: AsyncIterator[int]) -> list[int]:
    return [item async for item in items]


def plain() -> bool:
    return True


@functools.wraps(answers)
async def wrapped(*args: Any) -> bool:
    return await answers(*args)


def test_a_coroutine_function_awaiting_nothing_never_suspends() -> None:
    assert never_suspends(answers)


def test_one_that_awaits_may_suspend() -> None:
    assert not never_suspends(awaits)


def test_one_with_an_async_with_may_suspend() -> None:
    assert not never_suspends(enters)


def test_one_with_an_async_comprehension_may_suspend() -> None:
    assert not never_suspends(iterates)


def test_a_plain_function_is_not_one() -> None:
    assert not never_suspends(plain)


def test_a_wrapper_is_not_read_through() -> None:
    assert not never_suspends(wrapped)
