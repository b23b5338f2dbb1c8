"""A real nginx in front of a real uvicorn, configured as the docs' recipe: nginx appends the
client's address to ``X-Forwarded-For`` (``$proxy_add_x_forwarded_for``) and passes every
other header on untouched, ``Forwarded`` included; the app trusts it as its proxy."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ._processes import HOST, UVICORN_WITHOUT_PROXY_HEADERS, free_port, start
from .conftest import FRAMEWORKS

pytestmark = pytest.mark.slow


ENV = {
    "FASTAPI_MAINTENANCE_BACKEND": "env",
    "FASTAPI_MAINTENANCE_MODE": "1",
    "FASTAPI_MAINTENANCE_ALLOW_IPS": "203.0.113.0/24",
    "FASTAPI_MAINTENANCE_TRUSTED_PROXIES": f"{HOST}/32",
}
CONFIG = """\
worker_processes 1;
{user}
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://{host}:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""
#: Tries at starting nginx: a free port can be taken before nginx binds it.
ATTEMPTS = 3


@dataclass
class Nginx:
    process: subprocess.Popen[bytes]
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30.0, **kwargs)  # type: ignore[arg-type]


def _nginx_binary() -> str:
    """nginx's path; the test is skipped without it, unless ``CI`` is set."""
    found = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(path, os.X_OK)),
        None,
    )
    if found is None:
        reason = "nginx is not installed (Debian package nginx)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so it is a failure")
        pytest.skip(reason)
    return found


def _start_nginx(binary: str, folder: Path, upstream: int) -> Nginx:
    """nginx in the foreground, everything it writes inside ``folder``; waited for."""
    for _ in range(ATTEMPTS):
        port = free_port()
        config = folder / "nginx.conf"
        # As root, nginx's workers would switch to a user that cannot enter the test's folder.
        user = "user root;" if os.geteuid() == 0 else ""
        config.write_text(
            CONFIG.format(user=user, folder=folder, host=HOST, port=port, upstream=upstream),
            encoding="utf-8",
        )
        log = folder / "nginx.out"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [binary, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(config),
                 "-g", "daemon off;"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        nginx = Nginx(process, port, folder)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if nginx.get("/health").status_code == 200:
                    return nginx
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        _stop(process)
        if "Address already in use" not in (folder / "error.log").read_text(errors="replace"):
            break
    errors = (folder / "error.log").read_text(errors="replace")
    raise AssertionError(f"nginx did not start:\n{log.read_text(errors='replace')}\n{errors}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # nginx stops fast on SIGTERM, its workers with it
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


@pytest.fixture(scope="module")
def nginx_binary() -> str:
    return _nginx_binary()


def _behind_nginx(binary: str, folder: Path, env: dict[str, str]) -> Iterator[Nginx]:
    app = start(
        UVICORN_WITHOUT_PROXY_HEADERS, FRAMEWORKS["fastapi"].target, env, folder / "uvicorn.log"
    )
    try:
        assert app.wait_ready(), app.output()
        nginx = _start_nginx(binary, folder, app.port)
        try:
            yield nginx
        finally:
            _stop(nginx.process)
    finally:
        app.stop()


@pytest.fixture(scope="module")
def office_behind_nginx(
    nginx_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Nginx]:
    """The docs' recipe: allow_ips for the office, nginx the trusted proxy, the default
    forwarded_header (X-Forwarded-For)."""
    yield from _behind_nginx(nginx_binary, tmp_path_factory.mktemp("nginx-office"), ENV)


@pytest.fixture(scope="module")
def forwarded_behind_nginx(
    nginx_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Nginx]:
    """The same, the app told the proxy writes ``Forwarded`` (which this nginx does not
    manage: every client's header reaches the app as sent)."""
    env = {**ENV, "FASTAPI_MAINTENANCE_FORWARDED_HEADER": "Forwarded"}
    yield from _behind_nginx(nginx_binary, tmp_path_factory.mktemp("nginx-forwarded"), env)


def test_a_client_sending_forwarded_with_an_allowed_address_is_blocked(
    office_behind_nginx: Nginx,
) -> None:
    response = office_behind_nginx.get("/", headers={"Forwarded": "for=203.0.113.7"})
    assert response.status_code == 503


def test_the_chain_nginx_appends_to_is_read(office_behind_nginx: Nginx) -> None:
    # The loopback, a trusted proxy, is skipped; the entry left of it is the client.
    response = office_behind_nginx.get("/", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status_code == 200
    assert office_behind_nginx.get("/").status_code == 503


def _hostile_forwarded() -> str:
    """About 8 KB of ``Forwarded``, within nginx's default header buffers (8 KB a line)."""
    return "for=198.51.100.9," + " " * 7900 + ",for=198.51.100.9"


def _timed(nginx: Nginx, path: str, headers: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    nginx.get(path, headers=headers)
    return time.perf_counter() - started


def test_an_8kb_forwarded_header_costs_about_an_ordinary_request(
    forwarded_behind_nginx: Nginx,
) -> None:
    hostile = {"Forwarded": _hostile_forwarded()}
    ordinary = {"Forwarded": "for=198.51.100.9"}
    assert forwarded_behind_nginx.get("/", headers=hostile).status_code == 503
    hostile_times, ordinary_times = [], []
    for _ in range(15):
        hostile_times.append(_timed(forwarded_behind_nginx, "/", hostile))
        ordinary_times.append(_timed(forwarded_behind_nginx, "/", ordinary))
    # Medians side by side: the header's bytes cost their transfer, not a parse.
    assert statistics.median(hostile_times) <= 5 * statistics.median(ordinary_times)


def test_a_health_check_is_answered_promptly_while_8kb_headers_arrive(
    forwarded_behind_nginx: Nginx,
) -> None:
    idle = statistics.median(_timed(forwarded_behind_nginx, "/health") for _ in range(10))
    stop = threading.Event()

    def flood() -> None:
        with httpx.Client(timeout=30.0) as client:
            while not stop.is_set():
                client.get(
                    forwarded_behind_nginx.url + "/", headers={"Forwarded": _hostile_forwarded()}
                )

    senders = [threading.Thread(target=flood) for _ in range(2)]
    for sender in senders:
        sender.start()
    try:
        busy = statistics.median(_timed(forwarded_behind_nginx, "/health") for _ in range(15))
    finally:
        stop.set()
        for sender in senders:
            sender.join(30)
    assert busy <= max(10 * idle, 0.25)
