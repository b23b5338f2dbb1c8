"""Backend URLs with passwords are never printed whole, whatever the password holds.

Run with the installed command, as an operator's terminal or a CI log would show it.
"""

from __future__ import annotations

import pytest

from .conftest import RunScript
from .servers import closed_port

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("redis_plugin")]

#: Two halves that must never be printed; the separator is left unencoded in the URL.
FIRST, SECOND = "Zq7Wm4", "Kx9Vb2"


def _hidden(result: object) -> bool:
    output = getattr(result, "stdout", "") + getattr(result, "stderr", "")
    return FIRST not in output and SECOND not in output


passwords = pytest.mark.parametrize(
    "password",
    [
        f"{FIRST}{SECOND}",
        f"{FIRST}#{SECOND}",
        f"{FIRST}?{SECOND}",
        f"{FIRST}/{SECOND}",
        f"{FIRST}@{SECOND}",
        f"{FIRST}%23{SECOND}",
    ],
    ids=["plain", "hash", "question-mark", "slash", "at-sign", "encoded-hash"],
)


@passwords
def test_an_unreachable_redis_url_is_shown_masked(run_script: RunScript, password: str) -> None:
    url = f"redis://app:{password}@127.0.0.1:{closed_port()}/0"
    result = run_script("status", "--backend", url)
    assert result.returncode == 1
    assert "app:***@" in result.stderr
    assert _hidden(result)


@passwords
def test_a_url_of_an_unknown_scheme_is_shown_masked(run_script: RunScript, password: str) -> None:
    result = run_script("on", "--backend", f"nosuchdb://app:{password}@db.internal/0")
    assert result.returncode == 1
    assert "no backend handles URL scheme 'nosuchdb'" in result.stderr
    assert _hidden(result)


@passwords
def test_a_url_next_to_file_path_is_shown_masked(run_script: RunScript, password: str) -> None:
    url = f"redis://app:{password}@127.0.0.1:{closed_port()}/0"
    result = run_script("off", "--backend", url, "--file-path", "/tmp/elsewhere")
    assert result.returncode == 1
    assert _hidden(result)


@passwords
def test_the_backend_variable_is_shown_masked(run_script: RunScript, password: str) -> None:
    url = f"redis://app:{password}@127.0.0.1:{closed_port()}/0"
    result = run_script("status", "--json", env={"FASTAPI_MAINTENANCE_BACKEND": url})
    assert result.returncode == 1
    assert _hidden(result)


@pytest.mark.parametrize(
    "url",
    [
        f"redis://app:{FIRST}{SECOND}@127.0.0.1:notaport/0",
        f"redis://app:{FIRST}{SECOND}@[::1/0",
        f"redis://app:{FIRST}{SECOND}@127.0.0.1:6379/notadb",
        f"file://app:{FIRST}#{SECOND}@localhost/tmp/maintenance",
    ],
    ids=["port", "ipv6", "database", "file"],
)
def test_a_malformed_url_is_shown_masked(run_script: RunScript, url: str) -> None:
    result = run_script("status", "--backend", url, "-o", "timeout=0.5")
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert _hidden(result)
