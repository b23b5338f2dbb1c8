"""Mistakes on the command line: exit 2 for what the parser sees, 1 for what the drivers refuse."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fastapi_maintenance import BackendOptionsError, configure_backend
from fastapi_maintenance.backends import register_backend

from .conftest import Invoke
from .drivers import WarnsThenFailsBackend


def test_an_unknown_backend_exits_1_listing_the_available_names(invoke: Invoke) -> None:
    result = invoke("status", "--backend", "postgres")
    assert result.exit_code == 1
    assert "unknown backend 'postgres'; available: " in result.stderr
    assert "env" in result.stderr and "file" in result.stderr


def test_an_unknown_url_scheme_exits_1_listing_the_available_names(invoke: Invoke) -> None:
    result = invoke("status", "--backend", "postgres://db/maintenance")
    assert result.exit_code == 1
    assert "available: " in result.stderr


def test_an_option_without_equals_sign_is_a_usage_error_naming_the_form(invoke: Invoke) -> None:
    result = invoke("status", "--option", "check_interval")
    assert result.exit_code == 2
    assert "key=value" in result.stderr


def test_an_option_key_given_twice_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("status", "-o", "var_name=A", "-o", "var_name=B")
    assert result.exit_code == 2
    assert "'var_name' is given twice" in result.stderr


def test_a_flag_and_an_option_for_the_same_key_are_a_usage_error(invoke: Invoke) -> None:
    result = invoke("status", "--var-name", "A", "-o", "var_name=B")
    assert result.exit_code == 2
    assert "--var-name" in result.stderr


@pytest.mark.parametrize("option", ["--file-path", "--var-name", "--backend", "--timeout"])
def test_an_option_given_twice_on_the_command_line_is_a_usage_error(
    invoke: Invoke, option: str
) -> None:
    result = invoke("status", option, "1", option, "2")
    assert result.exit_code == 2
    assert f"Option '{option}' is given twice" in result.stderr


def test_an_option_the_driver_does_not_take_exits_1_naming_what_it_accepts(
    invoke: Invoke,
) -> None:
    result = invoke("status", "--backend", "env", "-o", "colour=blue")
    assert result.exit_code == 1
    assert result.stderr == (
        "❌ Error: the env driver does not take option colour; accepted: var_name\n"
    )


@pytest.mark.parametrize(
    ("args", "call"),
    [
        (["--backend", "file"], lambda: configure_backend("file")),
        (["-b", "env", "-o", "bogus=1"], lambda: configure_backend("env", bogus=1)),
    ],
    ids=["missing", "unknown"],
)
def test_bad_options_read_as_the_same_message_as_in_code(
    invoke: Invoke, args: list[str], call: Callable[[], None]
) -> None:
    with pytest.raises(BackendOptionsError) as raised:
        call()
    result = invoke("status", *args)
    assert result.exit_code == 1
    assert result.stderr == f"❌ Error: {raised.value}\n"


def test_a_bad_default_backend_variable_exits_1(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", "nowhere")
    result = invoke("status")
    assert result.exit_code == 1
    assert "unknown backend 'nowhere'" in result.stderr


def test_a_failing_read_is_one_error_line_even_after_a_driver_warning(invoke: Invoke) -> None:
    register_backend("flaky", WarnsThenFailsBackend)
    result = invoke("status", "--backend", "flaky")
    assert result.exit_code == 1
    assert result.stderr == "❌ Error: cannot read the store: it went away\n"


def test_an_option_without_equals_sign_shows_a_url_in_it_masked(invoke: Invoke) -> None:
    result = invoke("status", "-o", "redis://app:Zq7Wm4Kx9Vb2@cache:6379/0")
    assert result.exit_code == 2
    assert "Zq7Wm4Kx9Vb2" not in result.output
