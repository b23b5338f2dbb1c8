"""Parsing of the textual state values that env vars, files and CLIs carry."""

from __future__ import annotations

TRUTHY = frozenset({"1", "yes", "y", "true", "t", "on"})
FALSY = frozenset({"0", "no", "n", "false", "f", "off"})


def parse_bool(value: str) -> bool:
    """Read a state value: trimmed and case-insensitive, empty means off.

    Raises ``ValueError`` naming the accepted spellings for anything else.
    """
    text = value.strip().lower()
    if not text or text in FALSY:
        return False
    if text in TRUTHY:
        return True
    raise ValueError(
        f"invalid maintenance state {value!r}: expected one of "
        f"{', '.join(sorted(TRUTHY))} (on) or {', '.join(sorted(FALSY))} (off)"
    )


def format_bool(value: bool) -> str:
    """Write a state value the way every version of this package reads it back."""
    return "1" if value else "0"
