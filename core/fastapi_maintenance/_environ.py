"""The package's environment variables, read in one place: empty means unset.

Compose's ``${VAR:-}`` and many deploy tools pass a variable that is set but empty; it
counts as not set, for every ``FASTAPI_MAINTENANCE_*`` variable.
"""

from __future__ import annotations

import os

__all__ = ["PREFIX", "setting", "variable_of"]

PREFIX = "FASTAPI_MAINTENANCE_"


def setting(name: str) -> str | None:
    """The value of the variable ``name`` without surrounding blanks; ``None`` when it is
    unset, empty or blank."""
    return os.environ.get(name, "").strip() or None


def variable_of(option: str) -> str:
    """The variable of an option: ``allow_ips`` -> ``FASTAPI_MAINTENANCE_ALLOW_IPS``."""
    return PREFIX + option.upper()
