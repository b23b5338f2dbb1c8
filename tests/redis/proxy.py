"""A loopback TCP proxy in front of Redis that can go silent on subscribed connections.

It plays a half-open connection (a NAT or firewall that forgot it): the socket stays open,
nothing comes back, and no error is ever raised.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass(eq=False)
class _Link:
    subscribed: bool = False
    silent: bool = False
    writers: list[asyncio.StreamWriter] = field(default_factory=list)


class SilencingProxy:
    """Forwards 127.0.0.1:<port> to ``host:port``; :meth:`silence_subscriptions` stops
    forwarding, both ways, on every connection that sent a SUBSCRIBE."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: list[_Link] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def silence_subscriptions(self) -> None:
        for link in self._links:
            link.silent = link.silent or link.subscribed

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = _Link(writers=[writer])
        self._links.append(link)
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        link.writers.append(up_writer)
        pumps = [
            asyncio.ensure_future(self._pump(reader, up_writer, link, from_client=True)),
            asyncio.ensure_future(self._pump(up_reader, writer, link, from_client=False)),
        ]
        self._tasks.update(pumps)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
        await asyncio.wait(pumps)
        await _close(link.writers)

    @staticmethod
    async def _pump(
        source: asyncio.StreamReader, sink: asyncio.StreamWriter, link: _Link, from_client: bool
    ) -> None:
        while data := await source.read(65536):
            if from_client and b"SUBSCRIBE" in data.upper():
                link.subscribed = True
            if not link.silent:
                sink.write(data)
                await sink.drain()

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        await _close([w for link in self._links for w in link.writers])
        if self._server is not None:
            await self._server.wait_closed()


async def _close(writers: list[asyncio.StreamWriter]) -> None:
    for writer in writers:
        writer.close()
    for writer in writers:
        with contextlib.suppress(OSError):
            await writer.wait_closed()
