"""The states the conformance kit writes to drivers that store the whole state."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from ipaddress import ip_network
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

from .._model.model import MAX_MESSAGE_LENGTH, MAX_NAME_LENGTH, MaintenanceScope, MaintenanceState
from .._model.selectors import HTTP_METHODS, MAX_SCOPES

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


def edge_scopes(now: datetime) -> list[MaintenanceState]:
    """States with scopes at the edges of what a store must keep: every selector and detail,
    the longest texts, and ``MAX_SCOPES`` scopes with the longest message each."""
    end = now + _AHEAD + timedelta(microseconds=123_457)
    full = MaintenanceScope(
        name="billing-down",
        paths=("/billing", "/billing/*", "/é/ü"),
        methods=("POST", "DELETE"),
        tags=("billing", "Zahlung ✓"),
        hosts=("tenant.example.com", "[2001:db8::1]"),
        services=("billing", "api.v2"),
        read_only=True,
        message='"\\\n\t\x00\u2028</script>' + "🛠" * 50,
        starts_at=now - timedelta(hours=1),
        ends_at=end,
        updated_by="deploy@web-1",
        updated_at=now,
        allow_ips=("10.0.0.0/8", "2001:db8::/32"),
        allow_paths=("/billing/health",),
    )
    many = tuple(
        MaintenanceScope(
            name=f"scope-{index:03d}",
            paths=(f"/part-{index}/*",),
            message="\x00" * MAX_MESSAGE_LENGTH,
            updated_by="ü" * MAX_NAME_LENGTH,
            starts_at=now + _AHEAD,
        )
        for index in range(MAX_SCOPES)
    )
    return [
        MaintenanceState(scopes=(full,)),
        MaintenanceState(on=True, message="everything", scopes=(full,)),
        MaintenanceState(scopes=(MaintenanceScope(name="0", methods=("GET",)),)),
        MaintenanceState(on=True, message="🛠" * MAX_MESSAGE_LENGTH, scopes=many),
    ]


def scope_strategy() -> SearchStrategy[MaintenanceScope]:
    """A hypothesis strategy of scopes whose windows have not ended; needs hypothesis."""
    from hypothesis import strategies as st

    name_start = st.sampled_from("abcxyzABCXYZ0189")
    name_rest = st.text("abcXYZ019._-", max_size=63)
    names = st.builds(lambda first, rest: first + rest, name_start, name_rest)
    host_label = st.text("abcdefxyz0189-", min_size=1, max_size=20)
    hosts = st.lists(host_label, min_size=1, max_size=4).map(".".join)
    tags = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=100).filter(
        lambda tag: tag.strip() == tag and tag != ""
    )
    methods = st.sampled_from(HTTP_METHODS)
    selectors = st.fixed_dictionaries(
        {},
        optional={
            "paths": st.lists(_paths(), min_size=1, max_size=3),
            "methods": st.lists(methods, min_size=1, max_size=3),
            "tags": st.lists(tags, min_size=1, max_size=3),
            "hosts": st.lists(hosts, min_size=1, max_size=3),
            "services": st.lists(names, min_size=1, max_size=3),
        },
    ).filter(bool)
    states = state_strategy()

    @st.composite
    def scopes(draw: DrawFn) -> MaintenanceScope:
        details = draw(states)
        chosen = draw(selectors)
        return MaintenanceScope(
            name=draw(names),
            paths=tuple(chosen.get("paths", ())),
            methods=tuple(chosen.get("methods", ())),
            tags=tuple(chosen.get("tags", ())),
            hosts=tuple(chosen.get("hosts", ())),
            services=tuple(chosen.get("services", ())),
            read_only=details.read_only,
            message=details.message,
            starts_at=details.starts_at,
            ends_at=details.ends_at,
            updated_by=details.updated_by,
            updated_at=details.updated_at,
            allow_ips=details.allow_ips,
            allow_paths=details.allow_paths,
        )

    return scopes()


def scoped_state_strategy() -> SearchStrategy[MaintenanceState]:
    """A hypothesis strategy of states with scopes (distinct names); needs hypothesis."""
    from hypothesis import strategies as st

    bases = state_strategy()
    scopes = st.lists(scope_strategy(), max_size=4, unique_by=lambda s: s.name)

    @st.composite
    def states(draw: DrawFn) -> MaintenanceState:
        base = draw(bases)
        found = draw(scopes)
        return replace(base, scopes=tuple(found))

    return states()


def _paths() -> SearchStrategy[str]:
    """Path patterns: exact paths and ``/prefix/*``, with characters stores must escape."""
    from hypothesis import strategies as st

    segment = st.text(
        st.characters(min_codepoint=0x21, blacklist_characters="/*?#", blacklist_categories=["Cs"]),
        min_size=1,
        max_size=12,
    )
    return st.builds(
        lambda parts, prefix: "/" + "/".join(parts) + ("/*" if prefix else ""),
        st.lists(segment, max_size=3),
        st.booleans(),
    ).map(lambda p: p.replace("//*", "/*"))


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
    paths = _paths()

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
