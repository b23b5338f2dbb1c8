"""``fastapi-maintenance bypass-token``: a token the application accepts, alone on stdout."""

from __future__ import annotations

import pytest

from fastapi_maintenance._cli.bypass import parse_duration
from fastapi_maintenance._request.tokens import Signer

from .conftest import RunScript

SECRET = "cli-bypass-secret-0123456789abcdef"
OLD_SECRET = "cli-bypass-secret-0123456789abcdef-old"
ENV = {"FASTAPI_MAINTENANCE_BYPASS_SECRET": f"{SECRET},{OLD_SECRET}"}


def test_the_token_is_alone_on_stdout_and_signed_with_the_first_secret(
    run_script: RunScript,
) -> None:
    result = run_script("bypass-token", env=ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1
    left = Signer([SECRET]).verify(result.stdout.strip().encode())
    assert isinstance(left, int) and 3590 <= left <= 3600


def test_for_sets_the_token_life(run_script: RunScript) -> None:
    result = run_script("bypass-token", "--for", "12h", env=ENV)
    left = Signer([SECRET]).verify(result.stdout.strip().encode())
    assert isinstance(left, int) and 12 * 3600 - 10 <= left <= 12 * 3600


@pytest.mark.parametrize("empty", ["", "  "], ids=["empty", "blank"])
def test_without_a_secret_it_says_so_on_stderr(run_script: RunScript, empty: str) -> None:
    result = run_script("bypass-token", env={"FASTAPI_MAINTENANCE_BYPASS_SECRET": empty})
    assert result.returncode == 1
    assert result.stdout == ""
    assert "FASTAPI_MAINTENANCE_BYPASS_SECRET is not set" in result.stderr


def test_a_short_secret_is_refused_without_showing_it(run_script: RunScript) -> None:
    short = "short-secret-value"
    result = run_script("bypass-token", env={"FASTAPI_MAINTENANCE_BYPASS_SECRET": short})
    assert result.returncode == 1
    assert result.stdout == ""
    assert "at least 32 bytes" in result.stderr
    assert short not in result.stderr


def test_an_unset_secret_is_named(run_script: RunScript, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FASTAPI_MAINTENANCE_BYPASS_SECRET", raising=False)
    result = run_script("bypass-token")
    assert result.returncode == 1
    assert "FASTAPI_MAINTENANCE_BYPASS_SECRET is not set" in result.stderr


def test_a_bad_duration_says_what_is_accepted(run_script: RunScript) -> None:
    result = run_script("bypass-token", "--for", "soon", env=ENV)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "12h" in result.stderr


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("900", 900), ("45s", 45), ("30m", 1800), ("12h", 43200), ("7d", 604800), ("1h30m", 5400)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0s", "h", "12x", "1.5h", "-1h", "400d", "1h 30m"])
def test_a_duration_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|366 days"):
        parse_duration(text)
