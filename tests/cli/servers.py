"""Tiny TCP servers on 127.0.0.1 standing in for a Redis that misbehaves."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field


def closed_port() -> int:
    """A loopback TCP port nothing listens on right now: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """Where a server listens, and when each client connected and hung up (monotonic time)."""

    port: int
    connected: list[float] = field(default_factory=list)
    hung_up: list[float] = field(default_factory=list)

    def longest_wait(self) -> float:
        """Seconds from the first client connecting to the last one hanging up."""
        assert self.connected and len(self.hung_up) == len(self.connected), "a client is left"
        return max(self.hung_up) - min(self.connected)


def _commands_in(data: bytes) -> int:
    """How many RESP commands (arrays of bulk strings) a chunk holds."""
    return data.count(b"\r\n*") + data.startswith(b"*")


@contextlib.contextmanager
def tcp_server(reply: bytes | None) -> Iterator[Server]:
    """Accept every connection; answer each command received with ``reply``, or never (``None``).

    Connections stay open until the client hangs up or the server stops, as a hung server's.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.05)
    server = Server(int(listener.getsockname()[1]))
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def serve_one(peer: socket.socket) -> None:
        peer.settimeout(0.05)
        with peer:
            while not stop.is_set():
                try:
                    data = peer.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                if reply is not None:
                    # One reply per command: clients send several commands in one chunk
                    # (redis-py before 8 sends its two CLIENT SETINFO calls together).
                    peer.sendall(reply * max(1, _commands_in(data)))
            server.hung_up.append(time.monotonic())

    def serve() -> None:
        while not stop.is_set():
            try:
                peer, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            server.connected.append(time.monotonic())
            thread = threading.Thread(target=serve_one, args=(peer,), daemon=True)
            threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=serve, daemon=True)
    acceptor.start()
    try:
        yield server
    finally:
        stop.set()
        acceptor.join()
        for thread in threads:
            thread.join()
        listener.close()
