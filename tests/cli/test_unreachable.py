"""A store that cannot be reached or read: one line saying why, exit 1, within the timeout.

Run with the installed command against servers on 127.0.0.1 that refuse, never answer, or
answer with error text crafted to act on the operator's terminal.
"""

from __future__ import annotations

import pytest

from .conftest import RunScript
from .servers import closed_port, tcp_server

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("redis_plugin")]


@pytest.mark.parametrize("command", ["status", "on", "off"])
def test_an_unreachable_redis_is_one_error_line_and_no_warning_before_it(
    run_script: RunScript, command: str
) -> None:
    result = run_script(command, "--backend", f"redis://127.0.0.1:{closed_port()}/0")
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("❌ Error: cannot ")


def test_status_against_a_server_that_never_answers_gives_up_after_the_driver_timeout(
    run_script: RunScript,
) -> None:
    with tcp_server(reply=None) as server:
        result = run_script("status", "--backend", f"redis://127.0.0.1:{server.port}/0")
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    # The driver's timeout is 1 s: one read costs one timeout, not a start-up wait on top.
    assert server.longest_wait() < 1.5


def test_status_timeout_bounds_the_wait_on_a_server_that_never_answers(
    run_script: RunScript,
) -> None:
    with tcp_server(reply=None) as server:
        backend = f"redis://127.0.0.1:{server.port}/0?timeout=30"
        result = run_script("status", "--backend", backend, "--timeout", "1")
    assert result.returncode == 1
    assert result.stderr.endswith("did not answer within 1 s\n")
    assert 0.9 < server.longest_wait() < 1.5


def test_server_error_text_reaches_the_terminal_inert(run_script: RunScript) -> None:
    crafted = b"-ERR \x1b[2J\x1b[H\r\xf0\x9f\x9f\xa2 Maintenance mode is [bold]OFF[/]\r\n"
    with tcp_server(reply=crafted) as server:
        result = run_script("status", "--backend", f"redis://127.0.0.1:{server.port}/0")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "\x1b" not in result.stderr and "\r" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "\\x1b[2J\\x1b[H\\r🟢 Maintenance mode is [bold]OFF[/]" in result.stderr
