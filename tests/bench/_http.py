"""Requests per second over real HTTP: uvicorn in one process, the load generator in another.

Every variant gets its own server, all started up front; then, round after round, the
load generator hits each server in turn for a fixed time. When the machine has two CPUs
or more, the server and the generator are pinned to different ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from . import ROOT
from ._apps import TARGET_PATH
from ._console import progress
from ._server import REFERENCE_SPEC, SPEC_VAR
from ._stores import Store
from ._variants import Variant

_START_TIMEOUT = 30.0
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class _Server:
    variant: Variant
    store: Store | None
    port: int
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    rates: list[float] = field(default_factory=list)
    #: Server CPU µs per request, by round (Linux only).
    cpu_costs: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()
        if self.store is not None:
            self.store.close()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace").strip()


def _cpus() -> tuple[int | None, int | None]:
    """CPUs for the server and the load generator, or ``None`` when pinning would not help."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    return (cpus[0], cpus[-1]) if len(cpus) >= 2 else (None, None)


def _pin(process: subprocess.Popen[bytes], cpu: int | None) -> None:
    if cpu is not None:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(process.pid, {cpu})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment(spec: str) -> dict[str, str]:
    env = dict(os.environ)
    env[SPEC_VAR] = spec
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _launch(variant: Variant, cpu: int | None) -> _Server:
    store = variant.store() if variant.store is not None else None
    port = _free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _Server.stop()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "tests.bench._server:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    try:
        spec = REFERENCE_SPEC if variant.reference else ""
        if store is not None:
            asyncio.run(store.switch(variant.on))
            spec = store.server_spec()
        process = subprocess.Popen(
            command, cwd=ROOT, env=_environment(spec), stdout=log, stderr=subprocess.STDOUT
        )
    except BaseException:
        log.close()
        if store is not None:
            store.close()
        raise
    _pin(process, cpu)
    return _Server(variant, store, port, process, log)


def _status_of(port: int) -> int | None:
    """The status of one GET of the target, or ``None`` if the server does not answer yet."""
    request = f"GET {TARGET_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
            conn.sendall(request.encode())
            head = conn.recv(64)
    except OSError:
        return None
    return int(head[9:12]) if head.startswith(b"HTTP/1.1 ") else None


def _wait_ready(server: _Server) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.variant.label}: server exited:\n{server.output()}")
        status = _status_of(server.port)
        if status is not None:
            if status != server.variant.expected_status:
                raise RuntimeError(
                    f"{server.variant.label}: expected {server.variant.expected_status}, "
                    f"got {status}"
                )
            return
        time.sleep(0.1)
    raise RuntimeError(f"{server.variant.label}: server did not answer in {_START_TIMEOUT} s")


@contextlib.contextmanager
def _servers(variants: list[Variant], cpu: int | None) -> Iterator[list[_Server]]:
    """One running server per variant; every one of them is stopped on the way out."""
    servers: list[_Server] = []
    try:
        for variant in variants:
            servers.append(_launch(variant, cpu))
        for server in servers:
            _wait_ready(server)
        yield servers
    finally:
        for server in servers:
            server.stop()


def _load(
    server: _Server, seconds: float, warmup: float, connections: int, cpu: int | None
) -> None:
    """Run the load generator against one server and keep its rate."""
    command = [
        sys.executable, "-m", "tests.bench._loadgen", "--port", str(server.port),
        "--path", TARGET_PATH, "--seconds", str(seconds), "--warmup", str(warmup),
        "--connections", str(connections),
    ]  # fmt: skip
    generator = subprocess.Popen(
        command, cwd=ROOT, env=_environment(""), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _pin(generator, cpu)  # before its imports are done, long before its first request
    cpu_before = _cpu_seconds(server.process.pid)
    try:
        out, err = generator.communicate(timeout=seconds + warmup + 60)
    finally:
        if generator.poll() is None:
            generator.kill()
            generator.wait()
    cpu_after = _cpu_seconds(server.process.pid)
    if generator.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{err.decode(errors='replace')}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    expected = str(server.variant.expected_status)
    unexpected = {code: n for code, n in result["statuses"].items() if code != expected}
    if unexpected or result["errors"]:
        server.problems.append(f"statuses {result['statuses']}, {result['errors']} errors")
    server.rates.append(result["statuses"].get(expected, 0) / result["seconds"])
    if cpu_before is not None and cpu_after is not None and result["total"]:
        server.cpu_costs.append((cpu_after - cpu_before) / result["total"] * 1e6)


def _cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time a process has used, from ``/proc``; ``None`` elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / _TICKS


@dataclass(frozen=True)
class HttpResult:
    variants: list[Variant]
    rates: dict[str, list[float]]
    cpu_costs: dict[str, list[float]]
    problems: dict[str, list[str]]


def measure_http(
    variants: list[Variant], rounds: int, seconds: float, warmup: float, connections: int
) -> HttpResult:
    """Requests per second of each variant, one server each, in rotating order per round."""
    server_cpu, client_cpu = _cpus()
    with _servers(variants, server_cpu) as servers:
        for number in range(rounds):
            progress(f"HTTP: round {number + 1}/{rounds}")
            shift = number % len(servers)
            for server in servers[shift:] + servers[:shift]:
                _load(server, seconds, warmup, connections, client_cpu)
    progress("")
    return HttpResult(
        variants,
        {s.variant.key: s.rates for s in servers},
        {s.variant.key: s.cpu_costs for s in servers},
        {s.variant.key: s.problems for s in servers if s.problems},
    )
