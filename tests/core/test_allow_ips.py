"""``allow_ips`` behind ``trusted_proxies``: the client address cannot be spoofed."""

from __future__ import annotations

import pytest

from fastapi_maintenance import MaintenanceModeMiddleware
from fastapi_maintenance._clients import ClientAddresses, Networks, address_of

from .bypass_support import client_for, echo_app

pytestmark = pytest.mark.anyio

OFFICE = ["203.0.113.0/24", "2001:db8::/32", "10.0.0.0/8"]
PROXIES = ["192.0.2.0/28", "fd00::/8"]
PROXY = "192.0.2.1"
OUTSIDER = "198.51.100.9"


async def _status(peer: str, headers: dict[str, str] | None = None, **options: object) -> int:
    options.setdefault("allow_ips", OFFICE)
    options.setdefault("trusted_proxies", PROXIES)
    async with client_for(echo_app(**options), peer=peer) as client:
        return (await client.get("/shop", headers=headers)).status_code


@pytest.mark.parametrize("peer", ["203.0.113.7", "10.1.2.3", "2001:db8::1", "::ffff:10.1.2.3"])
async def test_a_client_in_an_allowed_range_passes(peer: str) -> None:
    assert await _status(peer) == 200


@pytest.mark.parametrize("peer", [OUTSIDER, "2001:db9::1", "::ffff:198.51.100.9"])
async def test_a_client_outside_every_range_is_blocked(peer: str) -> None:
    assert await _status(peer) == 503


async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    assert await _status(OUTSIDER, {"X-Forwarded-For": "203.0.113.7"}) == 503


async def test_forwarded_from_an_untrusted_peer_is_ignored() -> None:
    assert await _status(OUTSIDER, {"Forwarded": "for=203.0.113.7"}) == 503


async def test_x_forwarded_for_through_a_trusted_proxy_passes() -> None:
    assert await _status(PROXY, {"X-Forwarded-For": "203.0.113.7"}) == 200


async def test_without_trusted_proxies_forwarded_headers_are_never_read() -> None:
    headers = {"X-Forwarded-For": "203.0.113.7"}
    assert await _status(PROXY, headers, trusted_proxies=None) == 503


async def test_the_proxy_itself_is_the_client_when_it_forwards_nothing() -> None:
    assert await _status(PROXY) == 503
    assert await _status(PROXY, allow_ips=["192.0.2.1"]) == 200


async def test_a_spoofed_left_entry_does_not_count_the_right_most_untrusted_one_does() -> None:
    headers = {"X-Forwarded-For": "203.0.113.7, 198.51.100.9, 192.0.2.2"}
    assert await _status(PROXY, headers) == 503


async def test_an_untrusted_hop_in_the_middle_is_the_client() -> None:
    headers = {"X-Forwarded-For": "198.51.100.9, 203.0.113.7, 192.0.2.2"}
    assert await _status(PROXY, headers) == 200


async def test_when_every_hop_is_trusted_the_left_most_is_the_client() -> None:
    headers = {"X-Forwarded-For": "192.0.2.3, 192.0.2.2"}
    assert await _status(PROXY, headers, allow_ips=["192.0.2.3"]) == 200
    assert await _status(PROXY, headers, allow_ips=["192.0.2.2"]) == 503


async def test_forwarded_is_preferred_to_x_forwarded_for() -> None:
    headers = {"Forwarded": "for=198.51.100.9", "X-Forwarded-For": "203.0.113.7"}
    assert await _status(PROXY, headers) == 503


@pytest.mark.parametrize(
    "forwarded",
    [
        'for="[2001:db8::1]:4711"',
        'for="[2001:db8::1]"',
        "for=203.0.113.7;proto=https",
        'for="203.0.113.7:4711", for=192.0.2.2',
        "For=203.0.113.7",
        'for=198.51.100.9, for="[2001:db8::1]";by=192.0.2.1',
    ],
)
async def test_forwarded_elements_give_the_client(forwarded: str) -> None:
    assert await _status(PROXY, {"Forwarded": forwarded}) == 200


async def test_an_ipv6_proxy_forwarding_an_ipv4_mapped_client() -> None:
    assert await _status("fd00::1", {"X-Forwarded-For": "::ffff:203.0.113.7"}) == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-For": "not-an-ip"},
        {"X-Forwarded-For": "203.0.113.7, garbage"},
        {"X-Forwarded-For": "203.0.113.7,"},
        {"X-Forwarded-For": "203.0.113.7:notaport"},
        {"X-Forwarded-For": "203.0.113.7:" + "0" * 200 + "80"},
        {"X-Forwarded-For": "::ffff:" + "0" * 200 + "203.0.113.7"},
        {"Forwarded": "for=unknown"},
        {"Forwarded": "for=_hidden"},
        {"Forwarded": "proto=https"},
        {"Forwarded": 'for="[2001:db8::1'},
        {"Forwarded": "for=203.0.113.7; nonsense"},
    ],
)
async def test_a_malformed_entry_where_the_walk_needs_it_makes_the_client_unknown(
    headers: dict[str, str],
) -> None:
    assert await _status(PROXY, headers, allow_ips=[*OFFICE, "192.0.2.0/24"]) == 503


async def test_a_malformed_entry_left_of_the_client_is_never_read() -> None:
    headers = {"X-Forwarded-For": "garbage, 203.0.113.7"}
    assert await _status(PROXY, headers) == 200


async def test_an_unknown_peer_gets_no_ip_rule() -> None:
    assert await _status("not an address") == 503


def test_ipv4_mapped_addresses_are_read_as_ipv4() -> None:
    assert str(address_of("::ffff:10.1.2.3")) == "10.1.2.3"
    assert str(address_of("[::ffff:10.1.2.3]:80")) == "10.1.2.3"


def test_a_mapped_range_in_allow_ips_is_the_ipv4_range() -> None:
    networks = Networks(["::ffff:10.0.0.0/104"], "allow_ips")
    assert networks.match(address_of("10.9.9.9")) is not None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("entry", "hint"),
    [("10.0.0.1/8", "did you mean '10.0.0.0/8'"), ("10.0.0/8", "not an address"), ("", "not")],
)
def test_an_entry_that_is_not_an_address_or_range_is_refused(entry: str, hint: str) -> None:
    with pytest.raises(ValueError, match=hint):
        MaintenanceModeMiddleware(echo_app(), allow_ips=[entry])


def test_a_single_string_instead_of_a_list_is_refused() -> None:
    with pytest.raises(TypeError, match="list"):
        MaintenanceModeMiddleware(echo_app(), allow_ips="10.0.0.0/8")  # type: ignore[arg-type]


def test_ranges_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_ALLOW_IPS", "203.0.113.0/24, 2001:db8::/32")
    monkeypatch.setenv("FASTAPI_MAINTENANCE_TRUSTED_PROXIES", "192.0.2.1")
    middleware = MaintenanceModeMiddleware(echo_app())
    assert middleware._bypass is not None
    clients = middleware._bypass.clients
    scope = {"client": (PROXY, 1), "headers": [(b"x-forwarded-for", b"203.0.113.7")]}
    assert str(clients.client(scope)) == "203.0.113.7"
    assert middleware._bypass.allow.match(clients.client(scope)) is not None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("scheme", "peer", "header", "https"),
    [
        ("https", OUTSIDER, None, True),
        ("http", OUTSIDER, (b"x-forwarded-proto", b"https"), False),
        ("http", PROXY, (b"x-forwarded-proto", b"https"), True),
        ("http", PROXY, (b"forwarded", b"for=203.0.113.7;proto=https"), True),
        ("http", PROXY, (b"x-forwarded-proto", b"http"), False),
    ],
)
def test_https_is_the_scheme_or_what_a_trusted_proxy_says(
    scheme: str, peer: str, header: tuple[bytes, bytes] | None, https: bool
) -> None:
    scope = {"scheme": scheme, "client": (peer, 1), "headers": [header] if header else []}
    assert ClientAddresses(Networks(PROXIES, "trusted_proxies")).is_https(scope) is https
