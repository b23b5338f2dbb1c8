"""A loopback TCP proxy in front of Redis that can go silent on subscribed connections.

It plays a half-open connection (a NAT or firewall that forgot it): the socket stays open,
nothing comes back, and no error is ever raised.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._remote.relay import Link, Relay


@dataclass(eq=False)
class _Link(Link):
    subscribed: bool = False


class SilencingProxy(Relay):
    """Forwards 127.0.0.1:<port> to ``host:port``; :meth:`silence_subscriptions` stops
    forwarding, both ways, on every connection that sent a SUBSCRIBE."""

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def silence_subscriptions(self) -> None:
        self.silence(lambda link: isinstance(link, _Link) and link.subscribed)

    def _link(self) -> Link:
        return _Link()

    def _passes(self, data: bytes, link: Link, from_client: bool) -> bool:
        if from_client and isinstance(link, _Link) and b"SUBSCRIBE" in data.upper():
            link.subscribed = True
        return not link.silent
