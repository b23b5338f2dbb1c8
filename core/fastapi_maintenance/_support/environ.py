"""The package's environment variables, read in one place: empty means unset.

Compose's ``${VAR:-}`` and many deploy tools pass a variable that is set but empty; it
counts as not set, for every ``FASTAPI_MAINTENANCE_*`` variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

__all__ = ["PREFIX", "listed", "setting", "variable_of"]

PREFIX = "FASTAPI_MAINTENANCE_"


def setting(name: str) -> str | None:
    """The value of the variable ``name`` without surrounding blanks; ``None`` when it is
    unset, empty or blank."""
    return os.environ.get(name, "").strip() or None


def variable_of(option: str) -> str:
    """The variable of an option: ``allow_ips`` -> ``FASTAPI_MAINTENANCE_ALLOW_IPS``."""
    return PREFIX + option.upper()


def listed(value: Iterable[str] | None, option: str) -> tuple[list[str], str]:
    """The option's list, else its variable's comma-separated entries; and where they came
    from (the option's name or the variable's), for the messages about them."""
    if value is not None:
        if isinstance(value, (str, bytes)):
            raise TypeError(
                f"{option}: expected a list of strings, got a single {type(value).__name__}"
            )
        return list(value), option
    variable = variable_of(option)
    raw = setting(variable) or ""
    return [part.strip() for part in raw.split(",") if part.strip()], variable
