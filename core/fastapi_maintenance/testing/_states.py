"""The states the conformance kit writes to drivers that store the whole state."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from ipaddress import ip_network
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

from .._model.model import MAX_MESSAGE_LENGTH, MAX_NAME_LENGTH, MaintenanceState

#: Windows end at least this far ahead: a driver may forget a state whose window has ended
#: (the Redis key expires), which then reads as off, as an expired state counts.
_AHEAD = timedelta(days=2)
#: The latest instant a window may end at.
_LATEST = datetime(9999, 12, 30, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def edge_states(now: datetime) -> list[MaintenanceState]:
    """States at the edges of what a store must keep: every field, the longest texts,
    characters JSON and terminals treat specially, windows one microsecond wide."""
    end = now + _AHEAD + timedelta(microseconds=123_457)
    return [
        MaintenanceState(on=True, message="Back at 03:00 UTC"),
        MaintenanceState(on=True, read_only=True),
        MaintenanceState(on=False, message="kept while off", updated_by="ops"),
        MaintenanceState(on=True, message="", updated_by=""),
        MaintenanceState(on=True, message="é" * MAX_MESSAGE_LENGTH),
        MaintenanceState(on=True, message="🛠" * MAX_MESSAGE_LENGTH),
        MaintenanceState(on=True, message='"\\\n\t\r\x00\x1b[2J\u2028</script>{}'),
        MaintenanceState(on=True, message="1"),
        MaintenanceState(on=True, updated_by="ü" * MAX_NAME_LENGTH, updated_at=now),
        MaintenanceState(on=True, starts_at=end - _MICROSECOND, ends_at=end),
        MaintenanceState(on=True, starts_at=datetime(1, 1, 1, tzinfo=timezone.utc)),
        MaintenanceState(on=True, starts_at=now + _AHEAD),
        MaintenanceState(on=True, ends_at=_LATEST),
        MaintenanceState(
            on=True,
            allow_ips=("10.0.0.0/8", "2001:db8::/32", "203.0.113.7", "::ffff:0:0/96"),
            allow_paths=("/health", "/internal/*", "/é/ü", '/"quoted"\\'),
        ),
        MaintenanceState(
            on=True,
            read_only=True,
            message="Wartung: 数据库升级 ✓",
            starts_at=now - timedelta(hours=1),
            ends_at=end,
            updated_by="deploy@web-1",
            updated_at=now,
        ),
    ]


def state_strategy() -> SearchStrategy[MaintenanceState]:
    """A hypothesis strategy of states whose windows have not ended; needs hypothesis."""
    from hypothesis import strategies as st

    earliest = datetime.now(timezone.utc) + _AHEAD
    instants = st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=_LATEST.replace(tzinfo=None),
        timezones=st.just(timezone.utc),
    )
    ends = st.datetimes(
        min_value=earliest.replace(tzinfo=None),
        max_value=_LATEST.replace(tzinfo=None),
        timezones=st.just(timezone.utc),
    )
    texts = st.text(max_size=MAX_MESSAGE_LENGTH)
    v4 = st.ip_addresses(v=4).flatmap(
        lambda a: st.integers(0, 32).map(lambda n: str(ip_network(f"{a}/{n}", strict=False)))
    )
    v6 = st.ip_addresses(v=6).flatmap(
        lambda a: st.integers(0, 128).map(lambda n: str(ip_network(f"{a}/{n}", strict=False)))
    )
    segment = st.text(
        st.characters(min_codepoint=0x21, blacklist_characters="/*?#", blacklist_categories=["Cs"]),
        min_size=1,
        max_size=12,
    )
    paths = st.builds(
        lambda parts, prefix: "/" + "/".join(parts) + ("/*" if prefix else ""),
        st.lists(segment, max_size=3),
        st.booleans(),
    ).map(lambda p: p.replace("//*", "/*"))

    @st.composite
    def states(draw: DrawFn) -> MaintenanceState:
        end = draw(st.none() | ends)
        start = draw(st.none() | instants.filter(lambda s: end is None or s < end))
        return MaintenanceState(
            on=draw(st.booleans()),
            read_only=draw(st.booleans()),
            message=draw(st.none() | texts),
            starts_at=start,
            ends_at=end,
            updated_by=draw(st.none() | st.text(max_size=MAX_NAME_LENGTH)),
            updated_at=draw(st.none() | instants),
            allow_ips=tuple(draw(st.lists(v4 | v6, max_size=4))),
            allow_paths=tuple(draw(st.lists(paths, max_size=4))),
        )

    return states()
