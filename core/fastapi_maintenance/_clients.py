"""The client's address behind proxies, and address ranges given as CIDR.

The ASGI ``client`` is the client unless it is a trusted proxy; then the forwarded chain
(RFC 7239 ``Forwarded`` when present, else ``X-Forwarded-For``) is walked from the right,
skipping trusted proxies. Anything malformed where an address is needed makes the client
unknown (``None``): never an error.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any

__all__ = ["Address", "ClientAddresses", "Networks", "address_of"]

_MAX_ADDRESS_LENGTH = 100
#: Addresses whose range is remembered, per list of ranges.
_CACHED_ADDRESSES = 1024

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

_ACCEPTED = "accepted: an address ('203.0.113.7', '2001:db8::1') or a CIDR range ('10.0.0.0/8')"


class Networks:
    """Address ranges (CIDR, IPv4 and IPv6), parsed once with :mod:`ipaddress`."""

    def __init__(self, entries: Iterable[str], option: str) -> None:
        networks: list[Network] = []
        for entry in entries:
            networks.append(_network(entry, option))
        self.networks: tuple[Network, ...] = tuple(networks)
        self._found: dict[Address, Network | None] = {}

    def __bool__(self) -> bool:
        return bool(self.networks)

    def match(self, address: Address) -> Network | None:
        """The first range holding ``address``, or ``None``."""
        try:
            return self._found[address]
        except KeyError:
            pass
        found = next(
            (n for n in self.networks if address.version == n.version and address in n), None
        )
        if len(self._found) >= _CACHED_ADDRESSES:
            self._found.clear()
        self._found[address] = found
        return found


def _network(entry: object, option: str) -> Network:
    if not isinstance(entry, str):
        raise TypeError(f"{option}: expected strings, got {type(entry).__name__}; {_ACCEPTED}")
    text = entry.strip()
    try:
        network = ip_network(text, strict=True)
    except ValueError as exc:
        try:
            loose = ip_network(text, strict=False)
        except ValueError:
            raise ValueError(
                f"{option}: {entry!r} is not an address or a range; {_ACCEPTED}"
            ) from exc
        raise ValueError(
            f"{option}: {entry!r} has host bits set; did you mean {str(loose)!r}? {_ACCEPTED}"
        ) from exc
    if isinstance(network, IPv6Network) and network.prefixlen >= 96:
        mapped = network.network_address.ipv4_mapped
        if mapped is not None:  # ::ffff:10.0.0.0/104 is 10.0.0.0/8
            return IPv4Network((mapped, network.prefixlen - 96))
    return network


def address_of(text: str) -> Address | None:
    """An address as proxies write it: bare, ``1.2.3.4:port``, ``[v6]`` or ``[v6]:port``.

    IPv4-mapped IPv6 addresses become IPv4. ``None`` for anything else (``unknown``,
    obfuscated identifiers, garbage).
    """
    # Longer than any address with a port and a zone: garbage, and kept out of the cache.
    return None if len(text) > _MAX_ADDRESS_LENGTH else _address_of(text)


@functools.lru_cache(maxsize=1024)
def _address_of(text: str) -> Address | None:
    if text.startswith("["):
        inside, bracket, port = text[1:].partition("]")
        if not bracket or (port and not (port[:1] == ":" and port[1:].isdigit())):
            return None
        text = inside
        if "." in text and ":" not in text:
            return None
    elif text.count(":") == 1:
        text, _, port = text.partition(":")
        if not port.isdigit():
            return None
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


# RFC 7230 token characters, plus ':' '[' ']' that some proxies leave unquoted.
_PAIR = re.compile(
    r"[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*=[ \t]*"
    r'(?:"((?:[^"\\]|\\.)*)"|([!#$%&\'*+.^_`|~0-9A-Za-z:\[\]-]*))[ \t]*'
)
_UNESCAPE = re.compile(r"\\(.)")


def _forwarded(value: str) -> list[dict[str, str]] | None:
    """The elements of a ``Forwarded`` header, or ``None`` if it does not parse."""
    elements: list[dict[str, str]] = [{}]
    position, end = 0, len(value)
    while position < end:
        pair = _PAIR.match(value, position)
        if pair is None:
            if value[position] in " \t,":  # empty list elements are allowed
                if value[position] == ",":
                    elements.append({})
                position += 1
                continue
            return None
        name, quoted, token = pair.groups()
        elements[-1][name.lower()] = _UNESCAPE.sub(r"\1", quoted) if quoted is not None else token
        position = pair.end()
        if position < end:
            if value[position] == ",":
                elements.append({})
            elif value[position] != ";":
                return None
            position += 1
    return [element for element in elements if element]


class ClientAddresses:
    """Finds a request's client address, trusting forwarded headers only from ``trusted``."""

    def __init__(self, trusted: Networks) -> None:
        self.trusted = trusted
        #: Peers that are not trusted proxies, by the host the server gave: they are the client.
        self._direct: dict[object, Address | None] = {}

    def client(self, scope: Any) -> Address | None:
        """The client's address, or ``None`` when it cannot be known."""
        client = scope.get("client")
        host = client[0] if client else None
        try:
            return self._direct[host]
        except (KeyError, TypeError):
            pass
        peer = _peer(scope)
        if peer is None or not self.trusted or self.trusted.match(peer) is None:
            if len(self._direct) >= _CACHED_ADDRESSES:
                self._direct.clear()
            if isinstance(host, str):
                self._direct[host] = peer
            return peer
        forwarded, forwarded_for, _ = _headers(scope)
        hops: Sequence[str | None]
        if forwarded is not None:
            elements = _forwarded(forwarded)
            if elements is None:
                return None
            hops = [element.get("for") for element in elements]
        elif forwarded_for is not None:
            hops = [hop.strip() for hop in forwarded_for.split(",")]
        else:
            return peer
        address = peer
        for hop in reversed(hops):
            address_or_none = address_of(hop) if hop else None
            if address_or_none is None:
                return None
            address = address_or_none
            if self.trusted.match(address) is None:
                return address
        return address

    def is_https(self, scope: Any) -> bool:
        """Whether the client reached us over HTTPS: the scope's scheme, or what a trusted
        proxy says in ``X-Forwarded-Proto`` or ``Forwarded: proto=``."""
        if scope.get("scheme") in ("https", "wss"):
            return True
        peer = _peer(scope)
        if peer is None or not self.trusted or self.trusted.match(peer) is None:
            return False
        forwarded, _, proto = _headers(scope)
        if forwarded is not None:
            elements = _forwarded(forwarded) or []
            if any(e.get("proto", "").lower() == "https" for e in elements):
                return True
        return proto is not None and "https" in (p.strip().lower() for p in proto.split(","))


def _peer(scope: Any) -> Address | None:
    client = scope.get("client")
    if not client:
        return None
    try:
        return address_of(str(client[0]))
    except Exception:
        return None


def _headers(scope: Any) -> tuple[str | None, str | None, str | None]:
    """``Forwarded``, ``X-Forwarded-For`` and ``X-Forwarded-Proto``, repeated lines joined."""
    found: dict[bytes, list[str]] = {}
    for key, value in scope.get("headers", ()):
        if key in (b"forwarded", b"x-forwarded-for", b"x-forwarded-proto"):
            found.setdefault(key, []).append(value.decode("latin-1"))

    def joined(key: bytes) -> str | None:
        values = found.get(key)
        return ",".join(values) if values is not None else None

    return joined(b"forwarded"), joined(b"x-forwarded-for"), joined(b"x-forwarded-proto")
