"""Tiny TCP servers on 127.0.0.1 standing in for a Redis that misbehaves."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


def closed_port() -> int:
    """A loopback TCP port nothing listens on right now: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def tcp_server(reply: bytes | None) -> Iterator[int]:
    """Accept every connection; answer each chunk received with ``reply``, or never (``None``).

    Yields the port. Connections stay open until the server stops, as a hung server's would.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    stop = threading.Event()
    peers: list[socket.socket] = []

    def answer(peer: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while not stop.is_set() and peer.recv(65536):
                if reply is not None:
                    peer.sendall(reply)

    def serve() -> None:
        while not stop.is_set():
            try:
                peer, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            peer.settimeout(0.1 if reply is None else None)
            peers.append(peer)
            if reply is not None:
                threading.Thread(target=answer, args=(peer,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        listener.close()
        for peer in peers:
            with contextlib.suppress(OSError):
                peer.shutdown(socket.SHUT_RDWR)
            peer.close()
