"""``MaintenanceState``: when a state applies, what it says, and how stores keep it as text."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastapi_maintenance import MaintenanceState, UnsupportedStateError
from fastapi_maintenance._model.model import (
    _TIME_FIELDS,
    MAX_DETAILS_BYTES,
    MAX_MESSAGE_LENGTH,
    MAX_NAME_LENGTH,
    MAX_TEXT_BYTES,
    window,
)
from fastapi_maintenance.testing._states import state_strategy

from .support import MemoryBackend

pytestmark = pytest.mark.anyio

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def test_a_state_is_off_by_default() -> None:
    assert not MaintenanceState().is_active(NOON)


def test_on_without_a_window_is_active_at_any_time() -> None:
    assert MaintenanceState(on=True).is_active(NOON)


@pytest.mark.parametrize(
    ("now", "active"),
    [(NOON - HOUR, False), (NOON, True), (NOON + HOUR / 2, True), (NOON + HOUR, False)],
    ids=["before", "at the start", "inside", "at the end"],
)
def test_a_window_is_active_from_its_start_until_just_before_its_end(
    now: datetime, active: bool
) -> None:
    state = MaintenanceState(on=True, starts_at=NOON, ends_at=NOON + HOUR)
    assert state.is_active(now) is active


def test_a_window_with_a_future_start_is_scheduled() -> None:
    state = MaintenanceState(on=True, starts_at=NOON + HOUR)
    assert state.is_scheduled(NOON)
    assert not state.is_active(NOON)


def test_a_window_whose_end_has_passed_is_expired_and_counts_as_off() -> None:
    state = MaintenanceState(on=True, ends_at=NOON)
    assert state.is_expired(NOON)
    assert not state.is_active(NOON)


def test_a_window_of_a_state_that_is_off_never_applies() -> None:
    state = MaintenanceState(on=False, starts_at=NOON - HOUR, ends_at=NOON + HOUR)
    assert not state.is_active(NOON)
    assert not state.is_scheduled(NOON - 2 * HOUR)


def test_datetimes_are_kept_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    state = MaintenanceState(on=True, ends_at=datetime(2026, 12, 1, 13, 0, tzinfo=paris))
    assert state.ends_at == NOON
    assert state.ends_at is not None and state.ends_at.tzinfo == timezone.utc


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        MaintenanceState(on=True, ends_at=datetime(2026, 12, 1, 12, 0))


def test_an_end_not_after_the_start_is_refused() -> None:
    with pytest.raises(ValueError, match="must be after"):
        MaintenanceState(on=True, starts_at=NOON, ends_at=NOON)


def test_a_message_no_store_could_keep_is_refused() -> None:
    with pytest.raises(ValueError, match="not valid Unicode text"):
        MaintenanceState(on=True, message="back soon \ud800")


def test_a_message_over_the_limit_is_refused() -> None:
    with pytest.raises(ValueError, match=f"at most {MAX_MESSAGE_LENGTH}"):
        MaintenanceState(on=True, message="x" * (MAX_MESSAGE_LENGTH + 1))


def test_seconds_left_count_down_to_the_end() -> None:
    state = MaintenanceState(on=True, ends_at=NOON + HOUR)
    assert state.seconds_left(NOON) == 3600
    assert MaintenanceState(on=True).seconds_left(NOON) is None


# windows given as a caller would ------------------------------------------------------


def test_a_duration_counts_from_now() -> None:
    assert window(duration=1800, now=NOON) == (None, NOON + HOUR / 2)


def test_a_duration_counts_from_the_start_when_one_is_given() -> None:
    assert window(starts_at=NOON + HOUR, duration=HOUR, now=NOON) == (NOON + HOUR, NOON + 2 * HOUR)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"duration": 60, "ends_at": NOON + HOUR}, "not both"),
        ({"duration": 0}, "must be positive"),
        ({"duration": -5}, "must be positive"),
        ({"ends_at": NOON - HOUR}, "already passed"),
        ({"starts_at": NOON + 2 * HOUR, "ends_at": NOON + HOUR}, "must be after"),
        ({"ends_at": datetime(2027, 1, 1)}, "timezone-aware"),
    ],
    ids=["duration and end", "zero", "negative", "past end", "end before start", "naive"],
)
def test_a_window_that_cannot_be_is_refused(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        window(now=NOON, **arguments)  # type: ignore[arg-type]


# the text form ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "on"), [("1", True), ("0", False), (" ON\n", True), ("", False)])
def test_the_plain_words_of_0_0_5_are_read(text: str, on: bool) -> None:
    assert MaintenanceState.from_text(text) == MaintenanceState(on=on)


@pytest.mark.parametrize("on", [True, False])
def test_a_plain_state_is_written_as_a_plain_word(on: bool) -> None:
    assert MaintenanceState(on=on).to_text() == ("1" if on else "0")


def test_a_state_with_details_is_written_as_a_json_document() -> None:
    text = MaintenanceState(on=True, message="Back at 3").to_text()
    assert text.startswith('{"fastapi_maintenance":1,')


@pytest.mark.parametrize(
    "text",
    ["maybe", "{not json", '{"on": true}', '{"fastapi_maintenance": 2, "on": true}', "[1]"],
    ids=["word", "broken json", "no format key", "unknown version", "not an object"],
)
def test_text_that_is_no_state_is_refused_without_quoting_it(text: str) -> None:
    with pytest.raises(ValueError) as refused:
        MaintenanceState.from_text(text)
    assert text not in str(refused.value)
    assert "expected" in str(refused.value)


def test_a_document_with_a_bad_datetime_is_refused_without_quoting_it() -> None:
    text = '{"fastapi_maintenance": 1, "on": true, "ends_at": "secret-token-42"}'
    with pytest.raises(ValueError, match="ends_at is not an ISO 8601 datetime") as refused:
        MaintenanceState.from_text(text)
    assert "secret-token-42" not in str(refused.value)


@pytest.mark.parametrize(
    "moment",
    ["9999-12-31T23:59:59-00:01", "0001-01-01T00:00:00+00:01", "9999-12-31T23:00:00-23:59"],
    ids=["after the last UTC datetime", "before the first", "far west of the last day"],
)
@pytest.mark.parametrize("name", ["starts_at", "ends_at", "updated_at"])
def test_a_stored_time_outside_the_utc_range_is_refused_as_a_value_error(
    name: str, moment: str
) -> None:
    text = json.dumps({"fastapi_maintenance": 1, "on": True, name: moment})
    with pytest.raises(ValueError, match=f"{name} is out of range") as refused:
        MaintenanceState.from_text(text)
    assert moment not in str(refused.value)


_OFFSETS = st.builds(
    "{}{:02d}:{:02d}".format, st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59)
)
#: ISO 8601 times as a store may hold them: any date and offset ``fromisoformat`` reads, the
#: edges of its range among them, or any text at all.
_STORED_TIMES = st.one_of(
    st.builds(
        "{}{}".format,
        st.datetimes(min_value=datetime.min, max_value=datetime.max).map(datetime.isoformat),
        st.one_of(_OFFSETS, st.sampled_from(["", "Z", "+00:00"])),
    ),
    st.sampled_from(["0001-01-01T00:00:00", "9999-12-31T23:59:59.999999"]).flatmap(
        lambda edge: _OFFSETS.map(lambda offset: edge + offset)
    ),
    st.text(max_size=40),
)
_JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_JSON_VALUES = _JSON_SCALARS | st.lists(_JSON_SCALARS, max_size=3)


@given(
    times=st.fixed_dictionaries(
        {}, optional={name: _STORED_TIMES | _JSON_VALUES for name in _TIME_FIELDS}
    ),
    others=st.fixed_dictionaries(
        {}, optional={name: _JSON_VALUES for name in ("on", "read_only", "message", "allow_ips")}
    ),
)
def test_any_document_gives_a_state_or_a_value_error_never_another_exception(
    times: dict[str, object], others: dict[str, object]
) -> None:
    text = json.dumps({"fastapi_maintenance": 1, **others, **times})
    try:
        state = MaintenanceState.from_text(text)
    except ValueError as exc:
        assert str(exc).startswith("not a valid maintenance state document")
    else:
        assert state == MaintenanceState.from_text(state.to_text())


def test_a_duration_past_the_year_9999_is_refused_as_a_value_error() -> None:
    start = datetime(9999, 12, 31, 23, 0, tzinfo=timezone.utc)
    with pytest.raises(ValueError, match="ends_at is out of range"):
        window(starts_at=start, duration=2 * HOUR, now=NOON)


def test_a_time_outside_the_utc_range_is_refused_when_a_state_is_built() -> None:
    moment = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(minutes=1)))
    with pytest.raises(ValueError, match="ends_at is out of range"):
        MaintenanceState(on=True, ends_at=moment)


def test_deeply_nested_json_is_refused_as_a_value_error() -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        MaintenanceState.from_text('{"a":' + "[" * 4000)


def test_text_over_the_size_limit_is_refused_never_cut() -> None:
    with pytest.raises(ValueError, match=f"more than {MAX_TEXT_BYTES} bytes"):
        MaintenanceState.from_text("1" + " " * MAX_TEXT_BYTES)


def test_a_document_from_a_newer_writer_keeps_the_fields_it_knows() -> None:
    text = '{"fastapi_maintenance": 1, "on": true, "colour": "red"}'
    assert MaintenanceState.from_text(text) == MaintenanceState(on=True)


_instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.just(timezone.utc),
)


@st.composite
def states(draw: st.DrawFn) -> MaintenanceState:
    starts = draw(st.none() | _instants)
    ends = draw(st.none() | _instants.filter(lambda e: starts is None or e > starts))
    return MaintenanceState(
        on=draw(st.booleans()),
        read_only=draw(st.booleans()),
        message=draw(st.none() | st.text(max_size=MAX_MESSAGE_LENGTH)),
        starts_at=starts,
        ends_at=ends,
        updated_by=draw(st.none() | st.text(max_size=MAX_NAME_LENGTH)),
        updated_at=draw(st.none() | _instants),
    )


@given(state=states())
def test_every_state_survives_its_text_form(state: MaintenanceState) -> None:
    text = state.to_text()
    assert len(text.encode("utf-8", "surrogatepass")) <= MAX_TEXT_BYTES
    assert MaintenanceState.from_text(text) == state


# drivers that store only on and off ---------------------------------------------------


async def test_a_two_method_driver_reads_its_value_as_a_plain_state() -> None:
    assert await MemoryBackend(True).get_state() == MaintenanceState(on=True)


async def test_a_two_method_driver_stores_on_and_off_and_drops_the_audit_stamps() -> None:
    backend = MemoryBackend(False)
    await backend.set_state(MaintenanceState(on=True, updated_by="ops", updated_at=NOON))
    assert backend.value is True


async def test_a_two_method_driver_refuses_details_and_writes_nothing() -> None:
    backend = MemoryBackend(False)
    with pytest.raises(UnsupportedStateError, match="MemoryBackend stores only on and off"):
        await backend.set_state(MaintenanceState(on=True, message="Back soon"))
    assert backend.calls == []


def test_the_longest_state_fits_the_size_limit_even_fully_escaped() -> None:
    state = MaintenanceState(
        on=True,
        read_only=True,
        message="\x00" * MAX_MESSAGE_LENGTH,
        starts_at=NOON,
        ends_at=NOON + HOUR,
        updated_by="\x01" * MAX_NAME_LENGTH,
        updated_at=NOON,
    )
    assert MaintenanceState.from_text(state.to_text()) == state


# allow-lists ---------------------------------------------------------------------------


def test_allow_lists_are_kept_as_tuples_of_stripped_entries() -> None:
    state = MaintenanceState(on=True, allow_ips=[" 10.0.0.0/8"], allow_paths=["/health "])  # type: ignore[arg-type]
    assert state.allow_ips == ("10.0.0.0/8",)
    assert state.allow_paths == ("/health",)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"allow_ips": ("10.0.0.1/8",)}, r"allow_ips: '10.0.0.1/8' has host bits set; .*accepted"),
        ({"allow_ips": ("my office",)}, r"allow_ips: 'my office' is not an address or a range"),
        ({"allow_paths": ("health",)}, r"allow_paths: 'health' must start with '/'; accepted"),
        ({"allow_paths": ("/a*/b",)}, r"allow_paths: '/a\*/b' has a '\*' that is not a final"),
    ],
)
def test_a_malformed_allow_entry_is_refused_naming_what_is_accepted(
    arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        MaintenanceState(on=True, **arguments)  # type: ignore[arg-type]


def test_a_single_string_is_not_taken_for_a_list() -> None:
    with pytest.raises(TypeError, match="allow_ips must be a list of strings, got str"):
        MaintenanceState(on=True, allow_ips="10.0.0.0/8")  # type: ignore[arg-type]


def test_allow_lists_count_as_details() -> None:
    assert MaintenanceState(on=True, allow_ips=("10.0.0.0/8",)).has_details
    assert MaintenanceState(on=True, allow_paths=("/health",)).has_details


async def test_a_two_method_driver_refuses_allow_lists_and_writes_nothing() -> None:
    backend = MemoryBackend(False)
    with pytest.raises(UnsupportedStateError, match="allow-lists"):
        await backend.set_state(MaintenanceState(on=True, allow_paths=("/internal/*",)))
    assert backend.calls == []


def test_a_state_without_lists_is_written_without_them() -> None:
    assert "allow" not in MaintenanceState(on=True, message="Back soon").to_text()


def test_a_stored_entry_that_does_not_parse_is_refused_without_quoting_it() -> None:
    text = '{"fastapi_maintenance": 1, "on": true, "allow_ips": ["secret-host-name"]}'
    with pytest.raises(ValueError, match="allow_ips holds an entry that is not accepted") as caught:
        MaintenanceState.from_text(text)
    assert "secret-host-name" not in str(caught.value)


def test_lists_too_long_for_a_store_are_refused() -> None:
    paths = tuple(f"/{'x' * 90}{n}" for n in range(100))
    with pytest.raises(ValueError, match=f"at most {MAX_DETAILS_BYTES} are accepted"):
        MaintenanceState(on=True, allow_paths=paths)


@given(state=state_strategy())
def test_every_state_of_the_kit_survives_its_text_form(state: MaintenanceState) -> None:
    assert MaintenanceState.from_text(state.to_text()) == state
    assert MaintenanceState.from_dict(state.to_dict()) == state


def test_stamping_a_state_keeps_who_switched_it_unless_told_otherwise() -> None:
    state = MaintenanceState(on=True, message="Back soon", updated_by="ops@host")
    assert state.stamped(at=NOON) == MaintenanceState(
        on=True, message="Back soon", updated_by="ops@host", updated_at=NOON
    )
    assert state.stamped(by="deploy", at=NOON).updated_by == "deploy"
