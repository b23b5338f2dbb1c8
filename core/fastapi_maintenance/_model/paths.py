"""Path patterns (``exempt_paths``, ``paths``, stored allow-lists): ``/health`` matches only
itself, ``/internal/*`` every path under ``/internal/``."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["PathPatterns"]


class PathPatterns:
    """A list of exact paths and ``/prefix/*`` patterns, compiled once into a set and a tuple.

    Matched against the path the app routes on (the proxy's ``root_path`` removed).
    """

    def __init__(self, patterns: Iterable[str], option: str = "exempt_paths") -> None:
        exact: set[str] = set()
        prefixes: list[str] = []
        for pattern in patterns:
            _check(pattern, option)
            if pattern.endswith("/*"):
                prefixes.append(pattern[:-1])
            else:
                exact.add(pattern)
        self.exact = frozenset(exact)
        self.prefixes = tuple(prefixes)

    def __bool__(self) -> bool:
        return bool(self.exact or self.prefixes)

    def match(self, path: str) -> str | None:
        """The pattern that ``path`` matches, or ``None``."""
        if path in self.exact:
            return path
        if path.startswith(self.prefixes):
            return next(p for p in self.prefixes if path.startswith(p)) + "*"
        return None


def _check(pattern: object, option: str) -> None:
    if not isinstance(pattern, str):
        raise TypeError(f"{option}: expected paths as strings, got {type(pattern).__name__}")
    if not pattern.startswith("/"):
        raise ValueError(
            f"{option}: {pattern!r} must start with '/'; accepted: an exact path such as "
            "'/health', or a prefix such as '/internal/*'"
        )
    if "*" in pattern[:-1] or (pattern.endswith("*") and not pattern.endswith("/*")):
        raise ValueError(
            f"{option}: {pattern!r} has a '*' that is not a final '/*'; accepted: an exact "
            "path such as '/health', or a prefix such as '/internal/*'"
        )
    if any(c in pattern for c in "?#") or any(ord(c) < 0x21 for c in pattern):
        raise ValueError(
            f"{option}: {pattern!r} is not a path (no query, fragment, space or control "
            "characters); accepted: '/health', '/internal/*'"
        )
