"""Allow-lists stored in the state: every app reading it lets their entries through, on top
of its own ``allow_ips`` and ``exempt_paths``."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from fastapi_maintenance import set_maintenance_mode
from fastapi_maintenance.drivers.file import LocalFileBackend

from .bypass_support import client_for, echo_app

pytestmark = pytest.mark.anyio

PROXY = "192.0.2.1"
OUTSIDER = "198.51.100.9"
OFFICE = "203.0.113.7"


@pytest.fixture
def backend(tmp_path: Path) -> LocalFileBackend:
    """A file backend re-reading its file on every request."""
    return LocalFileBackend(tmp_path / "maintenance", check_interval=0)


async def _status(
    backend: LocalFileBackend,
    path: str = "/items",
    peer: str = OUTSIDER,
    headers: dict[str, str] | None = None,
    **options: object,
) -> int:
    options.setdefault("enable_maintenance", None)
    async with client_for(echo_app(backend=backend, **options), peer=peer) as client:
        return (await client.get(path, headers=headers)).status_code


async def test_a_stored_allow_path_passes_while_other_paths_get_503(
    backend: LocalFileBackend,
) -> None:
    await set_maintenance_mode(True, backend, allow_paths=["/internal/*"])
    assert await _status(backend, "/internal/x") == 200
    assert await _status(backend, "/internal") == 503
    assert await _status(backend, "/items") == 503


async def test_a_stored_allow_ip_passes_from_a_trusted_proxy(backend: LocalFileBackend) -> None:
    await set_maintenance_mode(True, backend, allow_ips=["203.0.113.0/24"])
    headers = {"X-Forwarded-For": OFFICE}
    assert await _status(backend, peer=PROXY, headers=headers, trusted_proxies=[PROXY]) == 200


async def test_a_stored_allow_ip_named_by_an_untrusted_peer_is_blocked(
    backend: LocalFileBackend,
) -> None:
    await set_maintenance_mode(True, backend, allow_ips=["203.0.113.0/24"])
    headers = {"X-Forwarded-For": OFFICE}
    assert await _status(backend, peer=OUTSIDER, headers=headers) == 503
    assert await _status(backend, peer=OUTSIDER, headers=headers, trusted_proxies=[PROXY]) == 503


async def test_a_stored_allow_ip_passes_a_direct_client_without_any_static_option(
    backend: LocalFileBackend,
) -> None:
    await set_maintenance_mode(True, backend, allow_ips=["2001:db8::/32", OFFICE])
    assert await _status(backend, peer=OFFICE) == 200
    assert await _status(backend, peer="2001:db8::1") == 200
    assert await _status(backend, peer=OUTSIDER) == 503


async def test_stored_lists_add_to_the_static_ones(backend: LocalFileBackend) -> None:
    await set_maintenance_mode(True, backend, allow_paths=["/internal/*"])
    static = {"exempt_paths": ["/health"], "allow_ips": ["10.0.0.0/8"]}
    assert await _status(backend, "/health", **static) == 200
    assert await _status(backend, "/internal/x", **static) == 200
    assert await _status(backend, "/items", peer="10.1.2.3", **static) == 200
    assert await _status(backend, "/items", **static) == 503


async def test_a_route_forced_on_stays_blocked_for_a_stored_entry(
    backend: LocalFileBackend,
) -> None:
    await set_maintenance_mode(True, backend, allow_paths=["/legacy"], allow_ips=[OUTSIDER])
    assert await _status(backend, "/legacy") == 503


async def test_switching_off_clears_the_stored_lists(backend: LocalFileBackend) -> None:
    await set_maintenance_mode(True, backend, allow_paths=["/internal/*"])
    await set_maintenance_mode(False, backend)
    cleared = await backend.get_state()
    assert (cleared.allow_ips, cleared.allow_paths) == ((), ())
    await set_maintenance_mode(True, backend)
    assert await _status(backend, "/internal/x") == 503


async def test_a_request_let_through_by_a_stored_entry_is_logged_naming_it(
    backend: LocalFileBackend, caplog: pytest.LogCaptureFixture
) -> None:
    await set_maintenance_mode(True, backend, allow_paths=["/internal/*"], allow_ips=[OFFICE])
    with caplog.at_level(logging.DEBUG, logger="fastapi_maintenance"):
        await _status(backend, "/internal/x")
        await _status(backend, "/items", peer=OFFICE)
    lines = [r.getMessage() for r in caplog.records if "let through" in r.getMessage()]
    assert lines == [
        "maintenance bypass: GET /internal/x let through by the stored allow_paths /internal/*",
        f"maintenance bypass: GET /items let through by the stored allow_ips {OFFICE}/32 "
        f"(client {OFFICE})",
    ]


async def test_a_state_without_lists_gives_no_bypass_to_an_app_without_options(
    backend: LocalFileBackend,
) -> None:
    await set_maintenance_mode(True, backend, message="Back soon")
    assert await _status(backend, "/internal/x", peer=OFFICE) == 503


async def test_stored_lists_are_parsed_once_per_state(backend: LocalFileBackend) -> None:
    await set_maintenance_mode(True, backend, allow_ips=["10.0.0.0/8"], allow_paths=["/a/*"])
    first, second = backend.cached_state(), backend.cached_state()
    assert first.allowed_networks is second.allowed_networks is not None
    assert first.allowed_paths is second.allowed_paths is not None


@pytest.mark.parametrize(
    ("option", "entries", "accepted"),
    [
        ("allow_ips", ["10.0.0.1/8"], "did you mean '10.0.0.0/8'"),
        ("allow_ips", ["office"], "accepted: an address"),
        ("allow_paths", ["internal/*"], "accepted: an exact path such as '/health'"),
        ("allow_paths", ["/internal*"], "accepted: an exact path such as '/health'"),
    ],
)
async def test_a_malformed_entry_is_refused_and_nothing_is_written(
    backend: LocalFileBackend, option: str, entries: list[str], accepted: str
) -> None:
    with pytest.raises(ValueError, match=rf"^{option}: .*{accepted}"):
        await set_maintenance_mode(True, backend, **{option: entries})  # type: ignore[arg-type]
    assert not os.path.exists(backend.file_path)  # noqa: ASYNC240 - a check, not I/O worth a thread


async def test_lists_only_go_with_switching_on(backend: LocalFileBackend) -> None:
    with pytest.raises(ValueError, match="allow_ips only go with switching maintenance mode on"):
        await set_maintenance_mode(False, backend, allow_ips=["10.0.0.0/8"])
