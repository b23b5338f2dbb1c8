"""The command line over the Redis driver: one switch seen by every process."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from ..redis_settings import KEY_PREFIX, redis_url
from .conftest import RunScript, missing

pytestmark = [pytest.mark.redis, pytest.mark.slow]

REDIS_URL = redis_url()


@pytest.fixture
def redis_key(redis_plugin: None) -> Iterator[str]:
    """A key of its own on the test server, deleted afterwards."""
    parts = urlsplit(REDIS_URL)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1).close()
    except OSError as exc:
        missing(f"no Redis server at {REDIS_URL}: {exc}")
    import redis

    key = f"{KEY_PREFIX}cli:{uuid.uuid4().hex}"
    yield key
    with redis.Redis.from_url(REDIS_URL) as client:
        client.delete(key, f"{key}:version")


def test_a_switch_through_redis_is_seen_by_another_process(
    run_script: RunScript, redis_key: str
) -> None:
    backend = ["--backend", REDIS_URL, "--option", f"key={redis_key}"]
    assert run_script("on", *backend).returncode == 0
    assert run_script("status", "--exit-code", *backend).returncode == 3
    assert run_script("off", *backend).returncode == 0
    assert run_script("status", "--exit-code", *backend).returncode == 0


@pytest.mark.usefixtures("redis_plugin")
def test_an_unreachable_redis_exits_1_with_the_cause(run_script: RunScript) -> None:
    result = run_script("on", "--backend", "redis://127.0.0.1:1/0", "-o", "timeout=0.5")
    assert result.returncode == 1
    # ``on`` reads the stored scopes first, to keep them: that read is what fails.
    assert "Error: cannot read the maintenance state from redis" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_scope_set_through_redis_is_listed_by_another_process_and_ended(
    run_script: RunScript, redis_key: str
) -> None:
    backend = ["--backend", REDIS_URL, "--option", f"key={redis_key}"]
    made = run_script("on", "--scope", "billing", "--path", "/billing/*", "-m", "Soon", *backend)
    assert made.returncode == 0, made.stderr
    listed = json.loads(run_script("status", "--json", *backend).stdout)
    assert [(s["name"], s["paths"], s["message"]) for s in listed["scopes"]] == [
        ("billing", ["/billing/*"], "Soon")
    ]
    assert run_script("status", "--exit-code", *backend).returncode == 3
    assert run_script("off", "--scope", "billing", *backend).returncode == 0
    assert run_script("status", "--exit-code", *backend).returncode == 0
