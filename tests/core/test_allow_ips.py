"""``allow_ips`` behind ``trusted_proxies``: the client address cannot be spoofed."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_maintenance import MaintenanceModeMiddleware, set_maintenance_mode
from fastapi_maintenance._model.clients import (
    MAX_HOPS,
    ClientAddresses,
    ForwardedHeader,
    Networks,
    address_of,
)
from fastapi_maintenance.drivers.file import LocalFileBackend

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


@pytest.mark.parametrize(
    "headers",
    [
        {"Forwarded": "for=203.0.113.7"},
        {"Forwarded": "for=203.0.113.7", "X-Forwarded-For": "198.51.100.9"},
        {"Forwarded": "for=203.0.113.7", "X-Forwarded-For": "203.0.113.7, 198.51.100.9"},
    ],
)
async def test_a_forwarded_header_is_ignored_when_the_proxies_write_x_forwarded_for(
    headers: dict[str, str],
) -> None:
    # A proxy managing only X-Forwarded-For passes a client's Forwarded through untouched.
    assert await _status(PROXY, headers) == 503


async def test_x_forwarded_for_is_ignored_when_the_proxies_write_forwarded() -> None:
    headers = {"Forwarded": "for=198.51.100.9", "X-Forwarded-For": "203.0.113.7"}
    assert await _status(PROXY, headers, forwarded_header="Forwarded") == 503
    assert (
        await _status(PROXY, {"X-Forwarded-For": "203.0.113.7"}, forwarded_header="Forwarded")
        == 503
    )
    headers = {"Forwarded": "for=203.0.113.7", "X-Forwarded-For": "198.51.100.9"}
    assert await _status(PROXY, headers, forwarded_header="Forwarded") == 200


@pytest.mark.parametrize("name", ["Forwarded", "forwarded", " FORWARDED "])
async def test_the_forwarded_header_option_ignores_case_and_blanks(name: str) -> None:
    assert await _status(PROXY, {"Forwarded": "for=203.0.113.7"}, forwarded_header=name) == 200


async def test_the_forwarded_header_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_FORWARDED_HEADER", "Forwarded")
    assert await _status(PROXY, {"Forwarded": "for=203.0.113.7"}) == 200
    assert await _status(PROXY, {"X-Forwarded-For": "203.0.113.7"}) == 503


@pytest.mark.parametrize("name", ["X-Real-IP", "", "X-Forwarded-Proto", "Forwarded-For"])
def test_a_forwarded_header_that_is_not_read_is_refused_naming_the_accepted_ones(
    name: str,
) -> None:
    with pytest.raises(ValueError, match="forwarded_header") as caught:
        MaintenanceModeMiddleware(echo_app(), trusted_proxies=PROXIES, forwarded_header=name)
    assert "accepted: 'X-Forwarded-For' or 'Forwarded'" in str(caught.value)


def test_an_invalid_forwarded_header_variable_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_FORWARDED_HEADER", "X-Real-IP")
    with pytest.raises(ValueError, match="FASTAPI_MAINTENANCE_FORWARDED_HEADER: 'X-Real-IP'"):
        MaintenanceModeMiddleware(echo_app(), trusted_proxies=PROXIES)


def test_a_forwarded_header_without_trusted_proxies_is_refused() -> None:
    with pytest.raises(ValueError, match="forwarded_header given without trusted_proxies"):
        MaintenanceModeMiddleware(echo_app(), allow_ips=OFFICE, forwarded_header="Forwarded")


async def test_stored_allow_ips_read_the_configured_header_only(tmp_path: Path) -> None:
    backend = LocalFileBackend(tmp_path / "maintenance", check_interval=0)
    await set_maintenance_mode(True, backend, allow_ips=["203.0.113.0/24"])
    spoofed = {"Forwarded": "for=203.0.113.7", "X-Forwarded-For": "198.51.100.9"}
    options = {"enable_maintenance": None, "backend": backend, "allow_ips": None}
    assert await _status(PROXY, spoofed, **options) == 503
    assert await _status(PROXY, spoofed, forwarded_header="Forwarded", **options) == 200


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
    assert await _status(PROXY, {"Forwarded": forwarded}, forwarded_header="Forwarded") == 200


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
    ],
)
async def test_a_malformed_entry_where_the_walk_needs_it_makes_the_client_unknown(
    headers: dict[str, str],
) -> None:
    assert await _status(PROXY, headers, allow_ips=[*OFFICE, "192.0.2.0/24"]) == 503


@pytest.mark.parametrize(
    "forwarded",
    [
        "for=unknown",
        "for=_hidden",
        "proto=https",
        'for="[2001:db8::1',
        "for=203.0.113.7; nonsense",
        'for="203.0.113.7\\"',
        "for=203.0.113.7;;by=192.0.2.1",
        ";".join(f"p{n}=x" for n in range(9)) + ";for=203.0.113.7",
    ],
)
async def test_a_malformed_forwarded_element_where_the_walk_needs_it_makes_the_client_unknown(
    forwarded: str,
) -> None:
    options = {"allow_ips": [*OFFICE, "192.0.2.0/24"], "forwarded_header": "Forwarded"}
    assert await _status(PROXY, {"Forwarded": forwarded}, **options) == 503


@pytest.mark.parametrize("forwarded_header", ["X-Forwarded-For", "Forwarded"])
async def test_a_malformed_forwarded_entry_left_of_the_client_is_never_read(
    forwarded_header: str,
) -> None:
    header = "Forwarded" if forwarded_header == "Forwarded" else "X-Forwarded-For"
    value = 'for="[garbage; a=\\, b=,for=203.0.113.7' if header == "Forwarded" else "x,,203.0.113.7"
    headers = {header: value}
    assert await _status(PROXY, headers, forwarded_header=forwarded_header) == 200


@pytest.mark.parametrize("forwarded_header", ["X-Forwarded-For", "Forwarded"])
async def test_more_trusted_hops_than_are_walked_leave_the_client_unknown(
    forwarded_header: str,
) -> None:
    separator, entry = (", ", "for={}") if forwarded_header == "Forwarded" else (", ", "{}")
    header = "Forwarded" if forwarded_header == "Forwarded" else "X-Forwarded-For"
    allowed = ["192.0.2.3"]
    trusted = [entry.format("192.0.2.2")] * (MAX_HOPS - 1)
    within = separator.join([entry.format("192.0.2.3"), *trusted])
    assert (
        await _status(PROXY, {header: within}, allow_ips=allowed, forwarded_header=forwarded_header)
        == 200
    )
    beyond = separator.join([entry.format("192.0.2.3"), *trusted, entry.format("192.0.2.2")])
    assert (
        await _status(PROXY, {header: beyond}, allow_ips=allowed, forwarded_header=forwarded_header)
        == 503
    )


async def test_a_client_at_the_right_end_of_a_very_long_forwarded_header_is_found() -> None:
    padding = ", ".join(["for=198.51.100.1;" + "a=b;" * 7] * 400)
    headers = {"Forwarded": f"{padding}, for=203.0.113.7, for=192.0.2.2"}
    assert await _status(PROXY, headers, forwarded_header="Forwarded") == 200


async def test_a_long_forwarded_header_cut_before_the_walk_ends_leaves_the_client_unknown() -> None:
    # Trusted hops too long for the right end that is read: the client cannot be known.
    element = "for=192.0.2.2;a=b;x=" + "y" * 300
    headers = {"Forwarded": ", ".join(["for=203.0.113.7", *[element] * 12])}
    assert await _status(PROXY, headers, forwarded_header="Forwarded") == 503


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
        ("http", PROXY, (b"forwarded", b"for=203.0.113.7;proto=https"), False),
        ("http", PROXY, (b"x-forwarded-proto", b"http"), False),
    ],
)
def test_https_is_the_scheme_or_what_a_trusted_proxy_says(
    scheme: str, peer: str, header: tuple[bytes, bytes] | None, https: bool
) -> None:
    scope = {"scheme": scheme, "client": (peer, 1), "headers": [header] if header else []}
    assert ClientAddresses(Networks(PROXIES, "trusted_proxies")).is_https(scope) is https


@pytest.mark.parametrize(
    ("header", "https"),
    [
        ((b"forwarded", b"for=203.0.113.7;proto=https"), True),
        ((b"forwarded", b'for="[2001:db8::1]:4711";proto=HTTPS, for=192.0.2.2'), True),
        ((b"forwarded", b"for=203.0.113.7;proto=http"), False),
        ((b"forwarded", b"proto=https;;"), False),
        ((b"x-forwarded-proto", b"https"), False),
    ],
)
def test_with_forwarded_https_is_what_its_proto_says_and_x_forwarded_proto_is_ignored(
    header: tuple[bytes, bytes], https: bool
) -> None:
    scope = {"scheme": "http", "client": (PROXY, 1), "headers": [header]}
    clients = ClientAddresses(Networks(PROXIES, "trusted_proxies"), ForwardedHeader.FORWARDED)
    assert clients.is_https(scope) is https
