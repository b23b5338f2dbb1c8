"""Backend URLs with passwords are never printed whole, whatever the password holds.

Run with the installed command, as an operator's terminal or a CI log would show it.
"""

from __future__ import annotations

import importlib.util

import pytest

from .conftest import RunScript, missing
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
    # Cut short by an unencoded '#', '?' or '/', the user name cannot be told apart either.
    uncertain = any(mark in password for mark in "#?/")
    assert ("redis://***@" if uncertain else "redis://app:***@") in result.stderr
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


# mistyped specs: where the credentials are cannot be told, so more is hidden ------------

PASSWORD = f"{FIRST}{SECOND}"


@pytest.fixture
def sql_plugin() -> None:
    """The SQL driver distribution is installed."""
    if importlib.util.find_spec("fastapi_maintenance_sql") is None:
        missing("the fastapi-maintenance-sql distribution is not installed")


@pytest.mark.parametrize(
    ("spec", "shown"),
    [
        (f"redis:/app:{PASSWORD}@127.0.0.1:6379/0", "'redis:/***@127.0.0.1:6379/0'"),
        (f"redis:app:{PASSWORD}@127.0.0.1:6379/0", "'***'"),
        (f"app:{PASSWORD}@127.0.0.1:6379", "'***'"),
        (f"postgresql+asyncpg:/app:{PASSWORD}@127.0.0.1/test", "'postgresql+asyncpg:/***@"),
    ],
    ids=["one slash", "no slash", "no scheme", "sql, one slash"],
)
@pytest.mark.parametrize("command", ["status", "on"])
def test_a_mistyped_backend_url_is_shown_without_its_credentials(
    run_script: RunScript, spec: str, shown: str, command: str
) -> None:
    result = run_script(command, "--backend", spec)
    assert result.returncode == 1
    assert f"unknown backend {shown}" in result.stderr
    assert _hidden(result)


@pytest.mark.parametrize(
    "options",
    [
        ["--backend", "redis", "-o", f"url=redis:/app:{PASSWORD}@127.0.0.1:6379/0"],
        ["--backend", "redis", "-o", f"url=redis:app:{PASSWORD}@127.0.0.1:6379/0"],
        ["--backend", "sql", "-o", f"url=postgresql:/app:{PASSWORD}@127.0.0.1/test"],
        ["--backend", "sql", "-o", f"url=app:{PASSWORD}@127.0.0.1/test"],
    ],
    ids=[
        "redis, one slash",
        "redis, no slash",
        "sql, one slash",
        "sql, no scheme",
    ],
)
@pytest.mark.usefixtures("sql_plugin")
def test_a_mistyped_url_option_is_shown_without_its_credentials(
    run_script: RunScript, options: list[str]
) -> None:
    result = run_script("status", "--timeout", "2", *options)
    assert result.returncode != 0
    assert _hidden(result)


@pytest.mark.parametrize(
    "option",
    [
        f"url:redis:/app:{PASSWORD}@127.0.0.1:6379/0",
        f"url:app:{PASSWORD}@127.0.0.1:6379",
        f"u-rl=app:{PASSWORD}@127.0.0.1:6379",
        f"ur l=redis:/app:{PASSWORD}@127.0.0.1:6379/0",
    ],
    ids=["colon for equals", "colon, no scheme", "dash", "space"],
)
@pytest.mark.parametrize("backend", ["redis", "sql", "file", "memory"])
@pytest.mark.usefixtures("sql_plugin")
def test_a_mistyped_option_key_never_shows_the_url_it_carries(
    run_script: RunScript, option: str, backend: str
) -> None:
    result = run_script("status", "--timeout", "2", "--backend", backend, "-o", option)
    assert result.returncode != 0
    assert _hidden(result)
