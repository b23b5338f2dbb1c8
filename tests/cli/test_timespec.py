"""Durations and points in time as typed on the command line: what parses, what is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastapi_maintenance._model.timespec import (
    DURATION_FORMS,
    MAX_DURATION,
    TIME_FORMS,
    format_duration,
    format_time,
    parse_duration,
    parse_time,
)

from .conftest import RunScript

whole_durations = st.integers(min_value=1, max_value=int(MAX_DURATION.total_seconds())).map(
    lambda seconds: timedelta(seconds=seconds)
)
utc_times = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.just(timezone.utc),
).map(lambda moment: moment.replace(microsecond=0))


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d", timedelta(days=1)),
        (" 1D2H ", timedelta(days=1, hours=2)),
    ],
)
def test_the_documented_durations_parse(text: str, span: timedelta) -> None:
    assert parse_duration(text) == span


@pytest.mark.parametrize("text", ["", "0s", "0h0m", "30", "m30", "1m1h", "1.5h", "-5m", "1w"])
def test_a_duration_that_is_not_one_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="expected a number of days"):
        parse_duration(text)


def test_a_duration_over_ten_years_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than 3650 days"):
        parse_duration("3651d")


@given(whole_durations)
def test_a_formatted_duration_parses_back_to_itself(span: timedelta) -> None:
    assert parse_duration(format_duration(span)) == span


@given(st.text())
def test_any_text_either_parses_as_a_duration_or_is_refused_with_the_accepted_forms(
    text: str,
) -> None:
    try:
        span = parse_duration(text)
    except ValueError as exc:
        assert DURATION_FORMS in str(exc) or "longer than" in str(exc)
    else:
        assert timedelta(0) < span <= MAX_DURATION


def test_a_time_left_is_rounded_up_to_the_second() -> None:
    assert format_duration(timedelta(seconds=89.2)) == "1m30s"


@pytest.mark.parametrize(
    "text", ["2026-12-01T03:00Z", "2026-12-01T03:00:00+00:00", "2026-12-01 04:00+01:00"]
)
def test_a_time_with_an_offset_is_read_in_utc(text: str) -> None:
    assert parse_time(text) == datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)


def test_a_time_without_an_offset_is_the_local_time_of_the_machine() -> None:
    naive = datetime(2026, 12, 1, 3, 0)
    assert parse_time("2026-12-01T03:00") == naive.astimezone(timezone.utc)


@given(utc_times)
def test_a_formatted_time_parses_back_to_itself(moment: datetime) -> None:
    assert parse_time(format_time(moment)) == moment


@given(st.text())
def test_any_text_either_parses_as_a_time_or_is_refused_with_the_accepted_forms(
    text: str,
) -> None:
    try:
        moment = parse_time(text)
    except ValueError as exc:
        assert TIME_FORMS in str(exc)
    else:
        assert moment.tzinfo is timezone.utc


def test_a_time_without_an_offset_can_be_read_in_a_given_zone() -> None:
    moment = parse_time("2026-12-01T03:00", naive=timezone(timedelta(hours=1)))
    assert moment == datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "window",
    [
        ["--start", "9999-12-31T23:00Z", "--for", "2h"],
        ["--start", "9999-12-31T23:59:59-00:01"],
        ["--until", "9999-12-31T23:59:59-00:01"],
    ],
    ids=["start plus duration", "start", "end"],
)
def test_a_time_past_the_year_9999_is_refused_in_one_line_and_nothing_is_written(
    run_script: RunScript, state_file: Path, window: list[str]
) -> None:
    done = run_script("on", "--backend", state_file.as_uri(), *window)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [refusal] = [line for line in done.stderr.splitlines() if "out of range" in line]
    assert "Invalid value" in refusal
    assert not state_file.exists()
