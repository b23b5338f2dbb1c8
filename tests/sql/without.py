"""Run a function with some modules unimportable, as where their distribution is missing.

``python -m tests.sql.without asyncpg,psycopg fastapi_maintenance.cli:main status`` runs the
command line as a machine without asyncpg and psycopg would: importing either raises
``ModuleNotFoundError``. The rest of the command line becomes ``sys.argv[1:]``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType


class Blocked(MetaPathFinder):
    """Refuses every module under the given top-level names."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def main() -> None:
    blocked, entry, *args = sys.argv[1:]
    names = frozenset(name for name in blocked.split(",") if name)
    assert not names & set(sys.modules), f"already imported: {names & set(sys.modules)}"
    sys.meta_path.insert(0, Blocked(names))
    module, _, function = entry.partition(":")
    sys.argv = [entry, *args]
    getattr(importlib.import_module(module), function)()


if __name__ == "__main__":
    main()
