"""Server processes of a test's own, on a free loopback port, which the test may kill and
restart: the shared servers are never stopped."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """A server on 127.0.0.1 at :attr:`port`, which stays the same across :meth:`stop` and a
    new start, so clients see a restart. A subclass starts it and says when it answers."""

    #: Seconds the server may take to start answering, or to exit.
    start_timeout = 10.0
    #: Seconds between two checks whether the starting server answers.
    poll_pause = 0.05

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def answers(self) -> bool:
        """Whether the server answers a client now."""
        raise NotImplementedError

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """Stop the server's process with ``sig`` and wait for it to exit."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(self.start_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(self.start_timeout)

    def stop(self) -> None:
        """Kill the server, as a crash would."""
        self.kill(signal.SIGKILL)
        self.process = None

    def _wait_until_up(self, log: Path) -> None:
        """Wait until the server answers; stop it and fail, showing the end of ``log``, if it
        exits or takes longer than :attr:`start_timeout`."""
        deadline = time.monotonic() + self.start_timeout
        while not self.answers():
            exited = self.process is not None and self.process.poll() is not None
            if exited or time.monotonic() > deadline:
                shown = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                self.stop()
                raise RuntimeError(
                    f"{type(self).__name__} on port {self.port} did not start:\n{shown}"
                )
            time.sleep(self.poll_pause)
