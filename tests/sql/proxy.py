"""A TCP proxy in front of PostgreSQL that can drop notifications or go silent.

Dropping every NotificationResponse while passing the rest is what PgBouncer in transaction
pooling mode amounts to for a listener: LISTEN succeeds, nothing ever arrives. Going silent
is a connection that died without the client being told (a NAT or firewall dropping it).
Clients must connect without TLS (``?ssl=disable``) so the proxy can read the messages.
"""

from __future__ import annotations

import asyncio
import struct

from .._remote.relay import Link, Relay

#: PostgreSQL's message type of an asynchronous notification.
NOTIFICATION = b"A"


class PostgresProxy(Relay):
    """Forwards 127.0.0.1:<port> to ``host:port``, the server's messages one by one;
    :meth:`silence` quiets the connections open now, ``drop_notifications`` drops every
    notification."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port)
        self.drop_notifications = False
        self.dropped = 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}?ssl=disable"

    async def _chunk(self, source: asyncio.StreamReader, from_client: bool) -> bytes:
        if from_client:
            return await super()._chunk(source, from_client)
        header = await source.readexactly(5)
        return header + await source.readexactly(struct.unpack("!i", header[1:])[0] - 4)

    def _passes(self, data: bytes, link: Link, from_client: bool) -> bool:
        if link.silent:
            return False
        if not from_client and data[:1] == NOTIFICATION and self.drop_notifications:
            self.dropped += 1
            return False
        return True
