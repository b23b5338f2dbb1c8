"""``MaintenanceScope`` and the scopes of a ``MaintenanceState``: what they accept, what
they refuse, and how stores keep them as text."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given

from fastapi_maintenance import MaintenanceState
from fastapi_maintenance._model.model import MAX_DETAILS_BYTES, MAX_TEXT_BYTES, MaintenanceScope
from fastapi_maintenance._model.selectors import MAX_SCOPES
from fastapi_maintenance.testing._states import edge_scopes, scope_strategy, scoped_state_strategy

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def scope(name: str = "billing", **kwargs: object) -> MaintenanceScope:
    kwargs.setdefault("paths", ("/billing/*",))
    return MaintenanceScope(name, **kwargs)  # type: ignore[arg-type]


def document(**fields: object) -> str:
    return json.dumps({"fastapi_maintenance": 1, "on": False, **fields})


# the scope alone -----------------------------------------------------------------------


def test_selectors_given_as_lists_are_kept_as_tuples_without_duplicates_in_order() -> None:
    found = scope(paths=["/b", "/a", "/b"], tags=["x", "y", "x"])
    assert found.paths == ("/b", "/a")
    assert found.tags == ("x", "y")


def test_methods_are_upper_cased() -> None:
    assert scope(methods=["post", "Delete"]).methods == ("POST", "DELETE")


def test_hosts_are_lower_cased() -> None:
    assert scope(hosts=["Tenant.Example.COM"]).hosts == ("tenant.example.com",)


def test_a_scope_without_a_selector_is_refused() -> None:
    with pytest.raises(ValueError, match="a scope needs at least one selector: paths, methods"):
        MaintenanceScope("billing", message="down")


@pytest.mark.parametrize("name", ["", "-x", ".x", "a b", "a/b", "x" * 65, "é", "x\n"])
def test_a_name_outside_the_accepted_characters_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"name: .* is not accepted; accepted: 1 to 64 letters"):
        scope(name)


def test_a_name_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(TypeError, match="name must be a string, got int"):
        scope(7)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "reason"),
    [("billing", "must start with '/'"), ("/bil*ing", "'*' that is not a final '/*'")],
)
def test_a_malformed_path_is_refused_naming_the_entry(path: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"paths: '{path}'") + ".*" + re.escape(reason)):
        scope(paths=[path])


def test_an_unknown_method_is_refused_with_the_accepted_ones() -> None:
    with pytest.raises(ValueError, match="methods: 'FETCH' is not an HTTP method; accepted: GET"):
        scope(methods=["FETCH"])


@pytest.mark.parametrize("tag", ["", "x" * 101])
def test_an_empty_or_overlong_tag_is_refused(tag: str) -> None:
    with pytest.raises(ValueError, match=r"tags: .* accepted: a route tag of 1 to 100 characters"):
        scope(tags=[tag])


@pytest.mark.parametrize(
    "host", ["", "example.com:8080", "example.com/x", "a b", "x" * 254, "user@example.com"]
)
def test_a_host_with_a_port_path_or_blank_is_refused(host: str) -> None:
    with pytest.raises(ValueError, match=r"hosts: .* is not a host name; accepted"):
        scope(hosts=[host])


def test_a_bracketed_ipv6_host_is_accepted() -> None:
    assert scope(hosts=["[2001:DB8::1]"]).hosts == ("[2001:db8::1]",)


def test_a_malformed_service_name_is_refused() -> None:
    with pytest.raises(ValueError, match="services: 'bill ing' is not a service name; accepted"):
        scope(services=["bill ing"])


def test_a_selector_given_as_a_string_is_refused() -> None:
    with pytest.raises(TypeError, match="paths must be a list of strings, got str"):
        scope(paths="/billing")


def test_details_are_checked_with_the_messages_of_a_state() -> None:
    with pytest.raises(ValueError, match="message is 501 characters long; at most 500"):
        scope(message="x" * 501)


def test_the_details_are_a_state_that_is_on() -> None:
    found = scope(message="down", read_only=True, starts_at=NOON, ends_at=NOON + HOUR)
    assert found.state == MaintenanceState(
        on=True, message="down", read_only=True, starts_at=NOON, ends_at=NOON + HOUR
    )


def test_datetimes_are_kept_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    assert scope(ends_at=datetime(2026, 12, 1, 13, 0, tzinfo=paris)).ends_at == NOON


def test_the_path_selector_is_compiled_once() -> None:
    found = scope(paths=["/billing/*", "/pay"])
    assert found.path_patterns is not None
    assert found.path_patterns.match("/billing/x") == "/billing/*"
    assert found.path_patterns.match("/other") is None


def test_selectors_not_given_are_none() -> None:
    found = scope(paths=(), methods=["POST"])
    assert (found.path_patterns, found.tag_set, found.host_set, found.service_set) == (None,) * 4
    assert found.method_set == frozenset({"POST"})


def test_a_scope_larger_than_its_share_of_a_store_is_refused() -> None:
    paths = [f"/{index:05d}/{'x' * 100}" for index in range(80)]
    with pytest.raises(ValueError, match=f"at most {MAX_DETAILS_BYTES} are accepted"):
        scope(paths=paths)


def test_stamped_sets_when_and_who() -> None:
    found = scope().stamped("ops", NOON)
    assert (found.updated_by, found.updated_at) == ("ops", NOON)


def test_to_dict_leaves_out_empty_lists() -> None:
    assert scope().to_dict() == {
        "name": "billing",
        "paths": ["/billing/*"],
        "read_only": False,
        "message": None,
        "starts_at": None,
        "ends_at": None,
        "updated_by": None,
        "updated_at": None,
    }


@given(found=scope_strategy())
def test_any_scope_reads_back_from_its_dict(found: MaintenanceScope) -> None:
    assert MaintenanceScope.from_dict(json.loads(json.dumps(found.to_dict()))) == found


# scopes in a state ----------------------------------------------------------------------


def test_scopes_are_kept_sorted_by_name() -> None:
    state = MaintenanceState(scopes=[scope("b"), scope("a")])
    assert [s.name for s in state.scopes] == ["a", "b"]


def test_two_scopes_of_the_same_name_are_refused() -> None:
    with pytest.raises(ValueError, match="two scopes are named 'a'; each scope needs its own"):
        MaintenanceState(scopes=(scope("a"), scope("a", methods=["GET"])))


def test_more_than_max_scopes_are_refused() -> None:
    many = [scope(f"s{index}") for index in range(MAX_SCOPES + 1)]
    with pytest.raises(ValueError, match=f"101 given; at most {MAX_SCOPES} are accepted"):
        MaintenanceState(scopes=many)


def test_scopes_that_are_not_scopes_are_refused() -> None:
    with pytest.raises(TypeError, match="scopes must be a list of MaintenanceScope, got a dict"):
        MaintenanceState(scopes=[{"name": "a"}])  # type: ignore[list-item]


def test_with_scope_replaces_the_scope_of_the_same_name() -> None:
    state = MaintenanceState(scopes=(scope("a"), scope("b")))
    replaced = state.with_scope(scope("a", methods=["POST"]))
    assert [(s.name, s.methods) for s in replaced.scopes] == [("a", ("POST",)), ("b", ())]


def test_without_scope_ends_one_scope() -> None:
    state = MaintenanceState(scopes=(scope("a"), scope("b")))
    assert [s.name for s in state.without_scope("a").scopes] == ["b"]


def test_scope_named_finds_a_scope_or_none() -> None:
    state = MaintenanceState(scopes=(scope("a"),))
    assert state.scope_named("a") == scope("a")
    assert state.scope_named("b") is None


def test_a_state_with_scopes_has_details_and_is_not_plain() -> None:
    state = MaintenanceState(scopes=(scope(),))
    assert state.has_details
    assert not state.plain


def test_a_state_without_scopes_has_no_scopes_key_in_its_text() -> None:
    assert "scopes" not in json.loads(MaintenanceState(on=True, message="m").to_text())


@pytest.mark.parametrize(
    ("state", "active"),
    [
        (MaintenanceState(), False),
        (MaintenanceState(on=True), True),
        (MaintenanceState(scopes=(scope(),)), True),
        (MaintenanceState(scopes=(scope(starts_at=NOON + HOUR),)), False),
        (MaintenanceState(scopes=(scope(ends_at=NOON),)), False),
    ],
    ids=["off", "global", "scope", "scheduled scope", "ended scope"],
)
def test_active_anywhere_counts_the_global_state_and_every_scope(
    state: MaintenanceState, active: bool
) -> None:
    assert state.active_anywhere_at(NOON.timestamp()) is active


@given(state=scoped_state_strategy())
def test_any_state_with_scopes_reads_back_from_its_text(state: MaintenanceState) -> None:
    assert MaintenanceState.from_text(state.to_text()) == state


def test_max_scopes_with_the_longest_details_fit_in_a_store() -> None:
    largest = edge_scopes(NOON)[-1]
    assert len(largest.scopes) == MAX_SCOPES
    assert len(largest.to_text().encode("utf-8")) <= MAX_TEXT_BYTES
    assert MaintenanceState.from_text(largest.to_text()) == largest


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        ({"name": "secret value"}, "scopes[0]: name holds an entry that is not accepted"),
        (
            {"name": "a", "paths": ["secret-value"]},
            "scopes[0]: paths holds an entry that is not accepted",
        ),
        (
            {"name": "a", "hosts": ["secret-value:1"]},
            "scopes[0]: hosts holds an entry that is not accepted",
        ),
        ({"name": "a"}, "scopes[0]: a scope needs at least one selector"),
    ],
)
def test_a_stored_scope_that_is_not_accepted_is_refused_without_quoting_it(
    stored: dict[str, object], reason: str
) -> None:
    with pytest.raises(ValueError, match="not a valid maintenance state document") as raised:
        MaintenanceState.from_text(document(scopes=[stored]))
    assert reason in str(raised.value)
    assert "secret" not in str(raised.value)


def test_stored_scopes_of_the_same_name_are_refused_without_quoting_it() -> None:
    stored = [{"name": "secret", "methods": ["GET"]}, {"name": "secret", "methods": ["POST"]}]
    with pytest.raises(ValueError, match="scopes holds two scopes of the same name") as raised:
        MaintenanceState.from_text(document(scopes=stored))
    assert "secret" not in str(raised.value)


def test_stored_scopes_that_are_not_a_list_are_refused() -> None:
    with pytest.raises(ValueError, match="scopes must be a list of objects, got dict"):
        MaintenanceState.from_text(document(scopes={}))


def test_the_dict_of_a_state_without_scopes_has_no_scopes_key() -> None:
    assert "scopes" not in MaintenanceState(on=True).to_dict()
