"""Credentials in backend specs never reach a log line or a terminal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastapi_maintenance.backends import redact_spec


@pytest.mark.parametrize(
    ("spec", "shown"),
    [
        ("redis://app:s3cret@cache:6379/0", "redis://app:***@cache:6379/0"),
        ("redis://:s3cret@cache:6379/0", "redis://:***@cache:6379/0"),
        ("redis://s3cret@cache", "redis://***@cache"),
        ("redis://app:p#w@cache/0", "redis://app:***@cache/0"),
        ("redis://app:p?w@cache/0", "redis://app:***@cache/0"),
        ("redis://app:p/w@cache/0", "redis://app:***@cache/0"),
        ("redis://app:p@w@cache/0", "redis://app:***@cache/0"),
        ("redis://cache/0?password=s3cret&db=1", "redis://cache/0?password=***&db=1"),
        ("file:///var/run/app/maintenance", "file:///var/run/app/maintenance"),
    ],
)
def test_a_spec_loses_its_password_and_keeps_the_rest(spec: str, shown: str) -> None:
    assert redact_spec(spec) == shown


def test_every_url_in_a_message_is_redacted() -> None:
    message = "no backend handles 'foo://a:one@h' nor 'bar://b:two@h'"
    assert redact_spec(message) == "no backend handles 'foo://a:***@h' nor 'bar://b:***@h'"


_password = st.text(
    alphabet=st.characters(blacklist_categories=("Z", "C"), blacklist_characters="@"),
    min_size=1,
)


@given(password=_password)
def test_no_password_survives_redaction(password: str) -> None:
    shown = redact_spec(f"cannot reach redis://user:{password}@cache.internal:6379/0")
    assert shown == "cannot reach redis://user:***@cache.internal:6379/0"
