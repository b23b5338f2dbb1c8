"""A TCP proxy in front of PostgreSQL that can drop notifications or go silent.

Dropping every NotificationResponse while passing the rest is what PgBouncer in transaction
pooling mode amounts to for a listener: LISTEN succeeds, nothing ever arrives. Going silent
is a connection that died without the client being told (a NAT or firewall dropping it).
Clients must connect without TLS (``?ssl=disable``) so the proxy can read the messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct

#: PostgreSQL's message type of an asynchronous notification.
NOTIFICATION = b"A"


class PostgresProxy:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.drop_notifications = False
        #: Connections opened so far, each with the event that silences it.
        self._connections: list[asyncio.Event] = []
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.dropped = 0

    def url(self, database: str = "postgres") -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"postgresql+asyncpg://postgres@127.0.0.1:{port}/{database}?ssl=disable"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    def silence(self) -> None:
        """From now on nothing passes either way on the connections open now, which stay
        open; connections opened later work."""
        for silent in self._connections:
            silent.set()

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for writer in self._writers:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        self._writers.update((writer, up_writer))
        silent = asyncio.Event()
        self._connections.append(silent)
        for pump in (
            self._client_to_server(reader, up_writer, silent),
            self._server_to_client(up_reader, writer, silent),
        ):
            task = asyncio.ensure_future(pump)
            self._tasks.add(task)

    async def _client_to_server(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, silent: asyncio.Event
    ) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                if silent.is_set():
                    continue
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _server_to_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, silent: asyncio.Event
    ) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                header = await reader.readexactly(5)
                body = await reader.readexactly(struct.unpack("!i", header[1:])[0] - 4)
                if silent.is_set():
                    continue
                if header[:1] == NOTIFICATION and self.drop_notifications:
                    self.dropped += 1
                    continue
                writer.write(header + body)
                await writer.drain()
        writer.close()
