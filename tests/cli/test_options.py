"""Parsing ``--option key=value`` and checking options against a driver's signature."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastapi_maintenance import BackendConfigError
from fastapi_maintenance._cli_options import (
    check_options,
    driver_options,
    parse_option,
    parse_options,
)
from fastapi_maintenance.backends import get_backend_class

# The suite's autouse fixtures only reset global state, which these pure functions never touch.
pure = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True)
values = st.text(max_size=40)


@pure
@given(key=keys, value=values)
def test_key_and_value_split_at_the_first_equals_sign(key: str, value: str) -> None:
    assert parse_option(f"{key}={value}") == (key, value)


@pure
@given(text=st.text(max_size=40).filter(lambda t: "=" not in t))
def test_text_without_equals_sign_is_refused_naming_the_form(text: str) -> None:
    with pytest.raises(ValueError, match="expected key=value"):
        parse_option(text)


@pure
@given(
    key=st.text(max_size=20).filter(lambda k: "=" not in k and not k.isidentifier()), value=values
)
def test_a_key_that_is_not_an_identifier_is_refused(key: str, value: str) -> None:
    with pytest.raises(ValueError, match="expected key=value"):
        parse_option(f"{key}={value}")


@pure
@given(pairs=st.dictionaries(keys, values, max_size=5))
def test_distinct_options_all_arrive(pairs: dict[str, str]) -> None:
    assert parse_options(f"{k}={v}" for k, v in pairs.items()) == pairs


@pure
@given(key=keys, first=values, second=values)
def test_a_repeated_key_is_refused(key: str, first: str, second: str) -> None:
    with pytest.raises(ValueError, match="given twice"):
        parse_options([f"{key}={first}", f"{key}={second}"])


def test_a_driver_accepts_its_constructor_keywords_and_requires_those_without_default() -> None:
    accepts = driver_options(get_backend_class("file"), from_url=False)
    assert accepts.accepted == {"file_path", "check_interval", "assume"}
    assert accepts.required == {"file_path"}


def test_a_url_requires_no_option() -> None:
    assert driver_options(get_backend_class("file"), from_url=True).required == frozenset()


def test_a_driver_taking_any_keyword_accepts_any_option() -> None:
    class Open(get_backend_class("env")):  # type: ignore[misc]
        def __init__(self, **options: str) -> None:
            super().__init__()

    assert driver_options(Open, from_url=False).accepted is None


def test_missing_required_option_is_named_with_its_flag() -> None:
    with pytest.raises(BackendConfigError, match="needs --file-path"):
        check_options("file", driver_options(get_backend_class("file"), from_url=False), {})
