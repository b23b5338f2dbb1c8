"""The ``fastapi-maintenance`` command: read, switch and list maintenance state backends.

The commands live in ``_cli.app`` and need the ``cli`` extra (typer and rich); this module
imports them only when used, so that without them the command prints how to install them
instead of a traceback. ``app``, ``version_callback`` and the other names of 0.0.5's
``fastapi_maintenance.cli`` are reached through here as before.
"""

from __future__ import annotations

import sys
from typing import Any

#: The distributions of the ``cli`` extra, and what they import.
_CLI_DEPENDENCIES = frozenset({"typer", "rich", "click"})
INSTALL_HINT = 'pip install "fastapi-maintenance[cli]"'


def main() -> None:
    """Entry point of the ``fastapi-maintenance`` console script."""
    try:
        from ._cli.app import app
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in _CLI_DEPENDENCIES:
            raise
        sys.stderr.write(
            f"Error: the fastapi-maintenance command needs {missing}, which is not "
            f"installed; install the command's dependencies with: {INSTALL_HINT}\n"
        )
        raise SystemExit(1) from None
    app()


def __getattr__(name: str) -> Any:
    if name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ._cli import app as _cli_app

    return getattr(_cli_app, name)


if __name__ == "__main__":
    main()
