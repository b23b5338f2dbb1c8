"""Parsing ``--option key=value``; the driver checks the options (tests/core/test_backend_specs)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastapi_maintenance._cli.options import parse_option, parse_options

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
