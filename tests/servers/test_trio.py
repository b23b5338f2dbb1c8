"""Under trio the middleware and the built-in drivers work; the Redis driver needs asyncio,
and the server must refuse to start with it rather than serve a state it cannot follow."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.redis.servers import answers

from ._processes import SERVERS, start
from .conftest import FRAMEWORKS

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"
#: Long enough for a failed startup to end the server, short enough to keep CI quick.
REFUSAL_TIMEOUT = 20.0
#: How hypercorn reports a ``lifespan.startup.failed`` message, which follows.
STARTUP_FAILED = "Lifespan failure in startup."


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if not answers(url):
        message = f"no Redis server answers at {url} (set REDIS_URL to use another)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.mark.slow
@pytest.mark.redis
def test_hypercorn_trio_refuses_to_start_with_the_redis_driver(
    redis_url: str, tmp_path: Path
) -> None:
    running = start(
        SERVERS["hypercorn-trio"],
        FRAMEWORKS["fastapi"].target,
        {"FASTAPI_MAINTENANCE_BACKEND": redis_url},
        tmp_path / "server.log",
    )
    try:
        served = running.wait_ready(timeout=REFUSAL_TIMEOUT)
        code = None if served else running.wait_exit(REFUSAL_TIMEOUT)
    finally:
        running.stop()
    output = running.output()

    assert not served, f"the server started and served under trio:\n{output}"
    # hypercorn's master exits 0 even when its worker fails to start: the exit is what counts.
    assert code is not None, f"the server neither served nor exited:\n{output}"
    failures = [line for line in output.splitlines() if STARTUP_FAILED in line]
    assert failures, f"no startup failure reported:\n{output}"
    assert all("redis" in line.lower() and "asyncio" in line for line in failures), failures
