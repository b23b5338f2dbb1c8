"""Text from outside (driver errors, logged warnings) is shown inert: never an escape
sequence, a carriage return, a bidi override or rich markup acting on the terminal."""

from __future__ import annotations

import pytest

from fastapi_maintenance.backends import register_backend

from .conftest import Invoke
from .drivers import CraftedErrorBackend, CraftedWarningBackend

SHOWN = "\\x1b[2J\\x1b[H\\r🟢 Maintenance mode is [bold]OFF[/]\\n\\u202eevil"


def _inert(stderr: str) -> None:
    for active in ("\x1b", "\r", "\u202e"):
        assert active not in stderr
    assert len(stderr.splitlines()) == 1
    assert SHOWN in stderr


@pytest.mark.parametrize("command", ["status", "on"])
def test_a_driver_error_carrying_control_characters_is_shown_escaped(
    invoke: Invoke, command: str
) -> None:
    register_backend("crafted", CraftedErrorBackend)
    result = invoke(command, "--backend", "crafted")
    assert result.exit_code == 1
    assert result.stdout == ""
    _inert(result.stderr)


def test_a_driver_warning_carrying_control_characters_is_shown_escaped(invoke: Invoke) -> None:
    register_backend("crafted", CraftedWarningBackend)
    result = invoke("status", "--backend", "crafted")
    assert result.exit_code == 0
    _inert(result.stderr)


def test_markup_in_a_driver_error_is_printed_as_typed_on_a_colour_terminal(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    register_backend("crafted", CraftedErrorBackend)
    result = invoke("status", "--backend", "crafted")
    assert "[bold]OFF[/]" in result.stderr
    assert "\x1b[2J" not in result.stderr
