"""A real uvicorn with ``--proxy-headers``: it resolves ``X-Forwarded-For`` itself, and
``allow_ips`` (configured by environment variables) sees the client it resolved, once. With
``--no-proxy-headers``, ``trusted_proxies`` makes the middleware resolve it instead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fastapi_maintenance._request.tokens import Signer

from ._processes import HOST, UVICORN_WITHOUT_PROXY_HEADERS, Running, Server, _python, start
from .conftest import FRAMEWORKS

SECRET = "proxy-headers-test-secret-0123456789"
PROXY_AWARE_UVICORN = Server(
    "uvicorn --proxy-headers",
    lambda target, port: _python(
        "uvicorn", target, "--host", HOST, "--port", str(port), "--lifespan", "on",
        "--proxy-headers", "--forwarded-allow-ips", HOST,
    ),
)  # fmt: skip
ENV = {
    "FASTAPI_MAINTENANCE_BACKEND": "env",
    "FASTAPI_MAINTENANCE_MODE": "1",
    "FASTAPI_MAINTENANCE_ALLOW_IPS": "203.0.113.0/24",
    "FASTAPI_MAINTENANCE_BYPASS_SECRET": SECRET,
}


def _serve(server: Server, env: dict[str, str], folder: Path) -> Iterator[Running]:
    running = start(server, FRAMEWORKS["fastapi"].target, env, folder / "server.log")
    try:
        assert running.wait_ready(), running.output()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def uvicorn_behind_a_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The FastAPI test app in maintenance, served by uvicorn trusting the loopback proxy."""
    yield from _serve(PROXY_AWARE_UVICORN, ENV, tmp_path_factory.mktemp("proxy-headers"))


@pytest.fixture(scope="module")
def middleware_behind_a_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The same app, uvicorn leaving forwarded headers alone, the loopback a trusted proxy."""
    env = {**ENV, "FASTAPI_MAINTENANCE_TRUSTED_PROXIES": f"{HOST}/32"}
    folder = tmp_path_factory.mktemp("no-proxy-headers")
    yield from _serve(UVICORN_WITHOUT_PROXY_HEADERS, env, folder)


def test_a_client_uvicorn_resolved_into_an_allowed_range_passes(
    uvicorn_behind_a_proxy: Running,
) -> None:
    response = uvicorn_behind_a_proxy.get("/", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status_code == 200


def test_a_client_uvicorn_resolved_outside_the_ranges_is_blocked(
    uvicorn_behind_a_proxy: Running,
) -> None:
    response = uvicorn_behind_a_proxy.get("/", headers={"X-Forwarded-For": "198.51.100.9"})
    assert response.status_code == 503


def test_a_spoofed_left_entry_is_not_the_client(uvicorn_behind_a_proxy: Running) -> None:
    headers = {"X-Forwarded-For": "203.0.113.7, 198.51.100.9"}
    assert uvicorn_behind_a_proxy.get("/", headers=headers).status_code == 503


def test_a_header_token_passes_through_a_real_server(uvicorn_behind_a_proxy: Running) -> None:
    token = Signer([SECRET]).token(60)
    response = uvicorn_behind_a_proxy.get("/", headers={"X-Maintenance-Bypass": token})
    assert response.status_code == 200
    assert uvicorn_behind_a_proxy.get("/").status_code == 503


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-Forwarded-For": "203.0.113.7"}, 200),
        # Only X-Forwarded-For, the header these proxies are said to write, is read.
        ({"Forwarded": 'for="203.0.113.7:4711";proto=https'}, 503),
        ({"X-Forwarded-For": "203.0.113.7, 198.51.100.9"}, 503),
        ({"X-Forwarded-For": "198.51.100.9"}, 503),
        ({"X-Forwarded-For": "garbage"}, 503),
    ],
)
def test_trusted_proxies_resolve_the_client_when_uvicorn_does_not(
    middleware_behind_a_proxy: Running, headers: dict[str, str], status: int
) -> None:
    assert middleware_behind_a_proxy.get("/", headers=headers).status_code == status
