"""``on`` with a message, a window and read-only; ``status`` showing them; ``off`` clearing
them: the installed command, run as a deploy script runs it."""

from __future__ import annotations

import getpass
import json
import re
import socket
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from fastapi_maintenance._model.model import MAX_MESSAGE_LENGTH

from .conftest import RunScript

pytestmark = pytest.mark.slow

MESSAGE = "Database upgrade, back at 03:00 UTC"
#: A time as the command prints it: ISO 8601 in UTC, to the second.
UTC_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"


@pytest.fixture
def details(run_script: RunScript, state_drivers: dict[str, str], state_file: Path) -> RunScript:
    """Runs the command on the ``details`` driver (the whole state in ``state_file``)."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        backend = ["--backend", "details", "--file-path", str(state_file)]
        return run_script(*args, *backend, env={**state_drivers, **(env or {})})

    return run


def status_json(details: RunScript) -> dict[str, object]:
    result = details("status", "--json")
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_on_with_a_message_for_30m_shows_the_message_the_end_and_the_time_left(
    details: RunScript,
) -> None:
    result = details("on", "--message", MESSAGE, "--for", "30m")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("🔴 Maintenance mode is now ON (details: ")
    assert f"  Message: {MESSAGE}" in lines
    assert "  Mode: full" in lines
    assert re.search(rf"^  Window: until {UTC_TIME}$", result.stdout, re.M)
    assert re.search(r"^  Time left: (30m|29m\d+s)$", result.stdout, re.M)


def test_status_json_gives_the_whole_state_under_its_field_names(details: RunScript) -> None:
    details("on", "--message", MESSAGE, "--for", "1h", "--read-only", "--by", "deploy-42")
    data = status_json(details)
    assert set(data) == {
        "maintenance",
        "backend",
        "on",
        "read_only",
        "message",
        "starts_at",
        "ends_at",
        "updated_by",
        "updated_at",
        "allow_ips",
        "allow_paths",
        "scopes",
    }
    assert data["maintenance"] is True
    assert (data["on"], data["read_only"], data["message"]) == (True, True, MESSAGE)
    assert (data["starts_at"], data["updated_by"]) == (None, "deploy-42")
    ends_at = datetime.fromisoformat(str(data["ends_at"]))
    assert ends_at.utcoffset() == timedelta(0)
    assert timedelta(minutes=59) < ends_at - datetime.now(timezone.utc) <= timedelta(hours=1)


def test_on_with_details_is_signed_by_the_user_and_host_running_it_by_default(
    details: RunScript,
) -> None:
    details("on", "--message", MESSAGE)
    assert status_json(details)["updated_by"] == f"{getpass.getuser()}@{socket.gethostname()}"


def test_a_plain_on_names_nobody_so_it_stays_a_plain_1(
    details: RunScript, state_file: Path
) -> None:
    details("on")
    assert status_json(details)["updated_by"] is None
    assert state_file.read_bytes() == b"1"


def test_status_shows_who_switched_it_and_when(details: RunScript) -> None:
    details("on", "--by", "alice")
    result = details("status")
    assert re.search(rf"^  Updated: by alice at {UTC_TIME}$", result.stdout, re.M)


def test_read_only_is_shown_as_the_mode(details: RunScript) -> None:
    result = details("on", "--read-only")
    assert "  Mode: read-only (reads pass, writes get 503)" in result.stdout.splitlines()


def test_for_counts_from_start_and_a_future_start_is_scheduled_not_active(
    details: RunScript,
) -> None:
    start = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)
    result = details("on", "--start", start.isoformat(), "--for", "2h")
    assert result.returncode == 0, result.stderr
    assert "Maintenance mode is now SCHEDULED" in result.stdout
    data = status_json(details)
    assert data["maintenance"] is False
    assert data["starts_at"] == start.isoformat()
    assert data["ends_at"] == (start + timedelta(hours=2)).isoformat()
    assert details("status", "--exit-code").returncode == 0


def test_status_exit_code_is_3_while_a_window_is_active(details: RunScript) -> None:
    details("on", "--for", "1h")
    assert details("status", "--exit-code").returncode == 3


def test_a_time_without_an_offset_is_local_and_echoed_in_utc(details: RunScript) -> None:
    result = details("on", "--until", "2099-01-01T12:00", env={"TZ": "Asia/Kolkata"})
    assert result.returncode == 0, result.stderr
    assert "  Window: until 2099-01-01T06:30:00+00:00" in result.stdout.splitlines()


def test_off_clears_the_message_and_the_window(details: RunScript) -> None:
    details("on", "--message", MESSAGE, "--for", "1h", "--read-only")
    result = details("off", "--by", "bob")
    assert result.returncode == 0, result.stderr
    data = status_json(details)
    assert (data["on"], data["message"], data["ends_at"], data["read_only"]) == (
        False,
        None,
        None,
        False,
    )
    assert data["updated_by"] == "bob"


def test_for_with_until_is_a_usage_error_and_writes_nothing(
    details: RunScript, state_file: Path
) -> None:
    result = details("on", "--for", "1h", "--until", "2099-01-01T00:00Z")
    assert result.returncode == 2
    assert "give either --for (a duration) or --until (an end time), not both" in result.stderr
    assert not state_file.exists()


@pytest.mark.parametrize("text", ["30", "half an hour", "1m1h", "0s"])
def test_a_duration_that_does_not_parse_exits_2_with_what_is_accepted(
    details: RunScript, state_file: Path, text: str
) -> None:
    result = details("on", "--for", text)
    assert result.returncode == 2
    assert "90s, 30m, 2h, 1h30m or 1d" in result.stderr
    assert not state_file.exists()


@pytest.mark.parametrize("option", ["--until", "--start"])
def test_a_time_that_does_not_parse_exits_2_with_what_is_accepted(
    details: RunScript, state_file: Path, option: str
) -> None:
    result = details("on", option, "tomorrow at noon")
    assert result.returncode == 2
    assert "expected an ISO 8601 date and time such as 2026-12-01T03:00Z" in result.stderr
    assert not state_file.exists()


def test_an_end_already_past_exits_2(details: RunScript, state_file: Path) -> None:
    result = details("on", "--until", "2000-01-01T00:00Z")
    assert result.returncode == 2
    assert "has already passed" in result.stderr
    assert not state_file.exists()


def test_a_message_over_the_limit_exits_2(details: RunScript, state_file: Path) -> None:
    result = details("on", "--message", "x" * (MAX_MESSAGE_LENGTH + 1))
    assert result.returncode == 2
    assert f"at most {MAX_MESSAGE_LENGTH} are accepted" in result.stderr
    assert not state_file.exists()


@pytest.mark.parametrize(
    "details_args",
    [
        ["--message", MESSAGE],
        ["--for", "30m"],
        ["--read-only"],
        ["--allow-ip", "10.0.0.0/8"],
        ["--allow-path", "/internal/*"],
    ],
)
def test_an_on_off_driver_refuses_details_in_one_line_before_writing(
    run_script: RunScript, state_drivers: dict[str, str], state_file: Path, details_args: list[str]
) -> None:
    backend = ["--backend", "onoff", "--file-path", str(state_file)]
    result = run_script("on", *details_args, *backend, env=state_drivers)
    assert result.returncode == 1
    assert result.stderr == (
        f"❌ Error: onoff: {state_file} stores only on and off; it cannot keep a message, a "
        "window, read-only mode or allow-lists (use a driver that stores them, such as file or "
        "redis: `fastapi-maintenance backends` lists what each driver stores)\n"
    )
    assert not state_file.exists()


def test_a_plain_on_still_works_on_an_on_off_driver(
    run_script: RunScript, state_drivers: dict[str, str], state_file: Path
) -> None:
    backend = ["--backend", "onoff", "--file-path", str(state_file)]
    result = run_script("on", *backend, env=state_drivers)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"🔴 Maintenance mode is now ON (onoff: {state_file})\n"


def test_times_stored_with_z_or_another_offset_are_shown_with_plus_00_00(
    details: RunScript, state_file: Path
) -> None:
    # Written by another tool: ``Z``, a +02:00 offset, a fraction of a second.
    state_file.write_text(
        '{"fastapi_maintenance": 1, "on": true, "starts_at": "2020-01-01T02:00:00.5+02:00", '
        '"ends_at": "2099-12-01T03:00:00Z", "updated_at": "2026-01-01T00:00:00.123456Z"}'
    )
    data = status_json(details)
    assert (data["starts_at"], data["ends_at"], data["updated_at"]) == (
        "2020-01-01T00:00:00.500000+00:00",
        "2099-12-01T03:00:00+00:00",
        "2026-01-01T00:00:00.123456+00:00",
    )
    lines = details("status").stdout.splitlines()
    assert "  Window: from 2020-01-01T00:00:00+00:00 until 2099-12-01T03:00:00+00:00" in lines
    assert "  Updated: at 2026-01-01T00:00:00+00:00" in lines
