"""A loopback TCP relay in front of a server, that a test can make drop what passes.

Subclasses choose what passes, chunk by chunk: a connection made silent plays a half-open
one (a NAT or firewall that forgot it): the socket stays open, nothing comes through, and no
error is ever raised.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(eq=False)
class Link:
    """One connection through the relay."""

    #: Nothing passes either way any more, though both sockets stay open.
    silent: bool = False


class Relay:
    """Forwards each connection to 127.0.0.1:<:attr:`port`> to ``host:port``, chunk by chunk
    through :meth:`_passes`; :meth:`silence` quiets connections already open."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = 0
        self.links: list[Link] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def silence(self, which: Callable[[Link], bool] = lambda link: True) -> None:
        """From now on nothing passes either way on the open connections ``which`` picks
        (all of them by default); they stay open, and connections opened later work."""
        for link in self.links:
            link.silent = link.silent or which(link)

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

    def _link(self) -> Link:
        """The record of a new connection (a subclass may keep more in it)."""
        return Link()

    async def _chunk(self, source: asyncio.StreamReader, from_client: bool) -> bytes:
        """The next piece to forward from ``source``; empty at the end."""
        return await source.read(65536)

    def _passes(self, data: bytes, link: Link, from_client: bool) -> bool:
        """Whether ``data`` goes on; by default unless the connection is silent."""
        return not link.silent

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self._writers.update((writer, up_writer))
        link = self._link()
        self.links.append(link)
        for pump in (
            self._pump(reader, up_writer, link, from_client=True),
            self._pump(up_reader, writer, link, from_client=False),
        ):
            self._tasks.add(asyncio.ensure_future(pump))

    async def _pump(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        link: Link,
        from_client: bool,
    ) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while data := await self._chunk(source, from_client):
                if self._passes(data, link, from_client):
                    sink.write(data)
                    await sink.drain()
        sink.close()
