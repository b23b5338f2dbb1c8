"""The ``env`` driver: the state is an environment variable, read-only at run time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastapi_maintenance import BackendConfigError, MaintenanceState, get_maintenance_mode
from fastapi_maintenance.backends import EnvVarBackend, create_backend
from fastapi_maintenance.drivers import env as env_driver

pytestmark = pytest.mark.anyio

VAR = "FASTAPI_MAINTENANCE_TEST_STATE"
TRUTHY = ["1", "yes", "y", "true", "t", "on"]
FALSY = ["0", "no", "n", "false", "f", "off"]
READ_ONLY = ["read-only", "readonly", "read_only"]
# The whitespace str.strip() removes, as shells and .env files leave it around values.
BLANKS = st.text(alphabet=" \t\r\n\x0b\x0c", max_size=3)


@contextmanager
def env_var(value: str | None) -> Iterator[EnvVarBackend]:
    """A backend reading ``VAR`` set to ``value`` (unset for ``None``) for the block."""
    if value is None:
        os.environ.pop(VAR, None)
    else:
        os.environ[VAR] = value
    try:
        yield EnvVarBackend(VAR)
    finally:
        os.environ.pop(VAR, None)


def spelled(words: list[str]) -> st.SearchStrategy[str]:
    """One of ``words`` in any letter case, with whitespace around it."""

    def recase(word: str, upper: list[bool]) -> str:
        return "".join(c.upper() if u else c for c, u in zip(word, upper, strict=False))

    word = st.sampled_from(words).flatmap(
        lambda w: st.lists(st.booleans(), min_size=len(w), max_size=len(w)).map(
            lambda upper: recase(w, upper)
        )
    )
    return st.tuples(BLANKS, word, BLANKS).map("".join)


@given(spelled(TRUTHY))
def test_truthy_spellings_mean_on(value: str) -> None:
    with env_var(value) as backend:
        assert backend.cached_value() is True


@given(spelled(FALSY))
def test_falsy_spellings_mean_off(value: str) -> None:
    with env_var(value) as backend:
        assert backend.cached_value() is False


@given(BLANKS)
def test_empty_or_blank_means_off(value: str) -> None:
    with env_var(value) as backend:
        assert backend.cached_value() is False


@given(spelled(READ_ONLY))
def test_read_only_spellings_mean_on_in_read_only_mode(value: str) -> None:
    with env_var(value) as backend:
        assert backend.cached_state() == MaintenanceState(on=True, read_only=True)
        assert backend.cached_value() is True


async def test_one_shot_read_of_read_only_gives_the_read_only_state() -> None:
    with env_var(" Read-Only\n") as backend:
        assert await backend.get_state() == MaintenanceState(on=True, read_only=True)
        assert await backend.get_value() is True


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("0", False), ("", False)])
async def test_plain_words_give_plain_states(value: str, expected: bool) -> None:
    with env_var(value) as backend:
        assert backend.cached_state() == MaintenanceState(on=expected)
        assert await backend.get_state() == MaintenanceState(on=expected)


def test_cached_state_is_the_same_object_while_the_variable_is_unchanged() -> None:
    with env_var("readonly") as backend:
        assert len({id(backend.cached_state()) for _ in range(10)}) == 1


def test_missing_variable_means_off() -> None:
    with env_var(None) as backend:
        assert backend.cached_value() is False


async def test_get_value_reads_the_variable_now() -> None:
    with env_var("0") as backend:
        assert await backend.get_value() is False
        os.environ[VAR] = "1"
        assert await backend.get_value() is True


@given(st.lists(st.sampled_from([None, "1", "0", "on", "maybe", "", "read-only"]), max_size=8))
def test_one_backend_follows_every_change_of_the_variable(values: list[str | None]) -> None:
    with env_var(None) as backend:
        for value in values:
            if value is None:
                os.environ.pop(VAR, None)
            else:
                os.environ[VAR] = value
            assert backend.cached_value() is (value in ("1", "on", "read-only"))
            assert backend.cached_state().read_only is (value == "read-only")


def test_variable_is_read_where_os_environ_keeps_no_dict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(env_driver, "_ENVIRON_DATA", None)
    with env_var("1") as backend:
        assert backend.cached_value() is True
        os.environ[VAR] = "0"
        assert backend.cached_value() is False


#: What an environment can hold: any text without NUL.
ENV_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)


@given(ENV_TEXT.filter(lambda v: v.strip().lower() not in {*TRUTHY, *FALSY, *READ_ONLY, ""}))
def test_garbage_counts_as_off(value: str) -> None:
    with env_var(value) as backend:
        assert backend.cached_value() is False


def test_garbage_is_logged_once_as_a_warning(logged: Any) -> None:
    with env_var("maybe") as backend:
        for _ in range(5):
            backend.cached_value()
    warnings = logged(f"environment variable {VAR} holds no valid state")
    assert len(warnings) == 1
    assert "5 characters; expected one of 1, on," in warnings[0]


def test_garbage_warning_lists_the_read_only_words(logged: Any) -> None:
    with env_var("maybe") as backend:
        backend.cached_state()
    (warning,) = logged(f"environment variable {VAR} holds no valid state")
    assert "read-only, read_only, readonly (on, read-only)" in warning


def test_garbage_is_never_shown_in_the_warning(caplog: pytest.LogCaptureFixture) -> None:
    with env_var("s3cret-token") as backend:
        backend.cached_value()
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "s3cret" not in caplog.text


@given(ENV_TEXT.filter(lambda v: v.strip().lower() not in {*TRUTHY, *FALSY, *READ_ONLY, ""}))
async def test_one_shot_read_of_garbage_is_off_as_in_0_0_5(value: str) -> None:
    with env_var(value) as backend:
        assert await backend.get_value() is False
        assert await backend.get_state() == MaintenanceState()


async def test_get_maintenance_mode_of_a_garbage_variable_is_off_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, logged: Any
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "2")
    for _ in range(5):
        assert await get_maintenance_mode() is False
    (warning,) = logged("holds no valid state")
    assert warning.startswith("environment variable FASTAPI_MAINTENANCE_MODE holds no valid state")
    assert warning.endswith("maintenance mode counts as off")


async def test_one_shot_reads_and_requests_warn_once_between_them(logged: Any) -> None:
    with env_var("maybe") as backend:
        await backend.get_value()
        backend.cached_value()
        await backend.get_state()
        backend.cached_state()
    assert len(logged("holds no valid state")) == 1


async def test_a_bad_value_coming_back_is_not_warned_about_again(logged: Any) -> None:
    with env_var("maybe") as backend:
        for value in ("maybe", "1", "maybe", "0", "maybe"):
            os.environ[VAR] = value
            await backend.get_value()
            backend.cached_value()
    assert len(logged("holds no valid state")) == 1


async def test_one_shot_read_of_garbage_is_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    with env_var("s3cret-token") as backend:
        await backend.get_value()
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "s3cret" not in caplog.text


def test_new_garbage_is_logged_again(logged: Any) -> None:
    with env_var("maybe") as backend:
        backend.cached_value()
        os.environ[VAR] = "perhaps"
        backend.cached_value()
    assert len(logged("counts as off")) == 2


async def test_set_value_warns_in_0_0_5s_words(caplog: pytest.LogCaptureFixture) -> None:
    with env_var("0") as backend:
        await backend.set_value(True)
    assert caplog.messages == [
        f"Cannot set maintenance mode state via environment variable {VAR}. Environment "
        "variables are read-only during runtime. Set the variable before starting your "
        "application."
    ]


async def test_set_value_warns_and_changes_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with env_var("0") as backend:
        await backend.set_value(True)
        assert os.environ[VAR] == "0"
        assert await backend.get_value() is False
    assert [r.levelname for r in caplog.records if "read-only" in r.getMessage()] == ["WARNING"]


def test_env_is_read_only() -> None:
    assert EnvVarBackend.read_only is True


def test_default_variable_is_fastapi_maintenance_mode() -> None:
    assert EnvVarBackend().describe() == "env: FASTAPI_MAINTENANCE_MODE"


def test_env_url_names_the_variable() -> None:
    backend = create_backend(f"env://{VAR}")
    assert isinstance(backend, EnvVarBackend)
    assert backend.var_name == VAR


def test_env_url_without_a_name_reads_the_default_variable() -> None:
    assert create_backend("env://").describe() == "env: FASTAPI_MAINTENANCE_MODE"


@pytest.mark.parametrize("url", ["env://VAR/extra", "env://VAR?x=1", "env://VAR#frag"])
def test_env_url_with_more_than_a_name_is_refused(url: str) -> None:
    with pytest.raises(BackendConfigError, match="env://VAR_NAME"):
        create_backend(url)


def test_env_url_with_an_unknown_option_is_refused() -> None:
    with pytest.raises(BackendConfigError, match="accepted: var_name"):
        create_backend("env://VAR", colour="blue")


def test_env_url_and_a_different_var_name_are_refused() -> None:
    with pytest.raises(BackendConfigError, match="names variable 'VAR'"):
        create_backend("env://VAR", var_name="OTHER")
