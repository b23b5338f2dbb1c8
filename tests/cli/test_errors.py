"""Mistakes on the command line: exit 2 for what the parser sees, 1 for what the drivers refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Invoke


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


def test_an_option_given_twice_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("status", "-o", "var_name=A", "-o", "var_name=B")
    assert result.exit_code == 2
    assert "'var_name' is given twice" in result.stderr


def test_a_flag_and_an_option_for_the_same_key_are_a_usage_error(invoke: Invoke) -> None:
    result = invoke("status", "--var-name", "A", "-o", "var_name=B")
    assert result.exit_code == 2
    assert "--var-name" in result.stderr


def test_a_flag_the_driver_does_not_take_names_what_it_accepts(
    invoke: Invoke, state_file: Path
) -> None:
    result = invoke("status", "-b", "file", "--file-path", str(state_file), "--var-name", "X")
    assert result.exit_code == 1
    assert "--var-name does not apply to the file driver" in result.stderr
    assert "--file-path" in result.stderr


def test_an_option_the_driver_does_not_take_exits_1(invoke: Invoke) -> None:
    result = invoke("status", "--backend", "env", "-o", "colour=blue")
    assert result.exit_code == 1
    assert "--option colour=... does not apply to the env driver" in result.stderr
    assert "it accepts: --var-name" in result.stderr


def test_the_file_driver_without_a_path_says_how_to_give_one(invoke: Invoke) -> None:
    result = invoke("status", "--backend", "file")
    assert result.exit_code == 1
    assert "the file driver needs --file-path, or a file:// URL" in result.stderr


def test_a_location_flag_next_to_a_url_is_refused(invoke: Invoke, state_file: Path) -> None:
    result = invoke("status", "--backend", state_file.as_uri(), "--file-path", "/elsewhere")
    assert result.exit_code == 1
    assert "--file-path cannot be combined with the URL" in result.stderr


def test_a_bad_default_backend_variable_exits_1(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", "nowhere")
    result = invoke("status")
    assert result.exit_code == 1
    assert "unknown backend 'nowhere'" in result.stderr
