"""The options of ``on`` and ``off`` that name a scope and pick the requests it puts in
maintenance, and the scope they build, checked before any backend is built."""

from __future__ import annotations

from typing import Annotated

import typer

from .._model.model import MaintenanceScope, MaintenanceState
from .._model.selectors import check_name
from .output import show_error

#: Exit code of a command line that is wrong (typer's own for usage errors).
EXIT_USAGE = 2

#: The selector fields of ``MaintenanceScope`` and the option giving each, in this order.
SELECTORS = {
    "paths": "--path",
    "methods": "--method",
    "tags": "--tag",
    "hosts": "--host",
    "services": "--service",
}
#: Options of ``on`` whose field has another name on the command line.
_OPTIONS = {
    **SELECTORS,
    "name": "--scope",
    "allow_ips": "--allow-ip",
    "allow_paths": "--allow-path",
}

ScopeArg = Annotated[
    str | None,
    typer.Option(
        "--scope",
        metavar="NAME",
        help="Create or replace the scope NAME (letters, digits, '.', '_', '-'; at most 64): "
        "maintenance for the requests its selectors pick, with its own message and window.",
        show_default=False,
    ),
]
EndScopeArg = Annotated[
    str | None,
    typer.Option(
        "--scope",
        metavar="NAME",
        help="End the scope NAME only; the global switch and the other scopes stay as they are.",
        show_default=False,
    ),
]
PathArg = Annotated[
    list[str] | None,
    typer.Option(
        "--path",
        metavar="PATTERN",
        help="Scope selector, repeatable: an exact path (/billing) or everything below one "
        "(/billing/*), as the app routes on.",
        show_default=False,
    ),
]
MethodArg = Annotated[
    list[str] | None,
    typer.Option(
        "--method",
        metavar="METHOD",
        help="Scope selector, repeatable: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE "
        "or CONNECT (without it: every method).",
        show_default=False,
    ),
]
TagArg = Annotated[
    list[str] | None,
    typer.Option(
        "--tag",
        metavar="TAG",
        help="Scope selector, repeatable: a FastAPI route tag (a route's own or its router's).",
        show_default=False,
    ),
]
HostArg = Annotated[
    list[str] | None,
    typer.Option(
        "--host",
        metavar="HOST",
        help="Scope selector, repeatable: the request's host name, without a port.",
        show_default=False,
    ),
]
ServiceArg = Annotated[
    list[str] | None,
    typer.Option(
        "--service",
        metavar="NAME",
        help="Scope selector, repeatable: the service name an app is given "
        "(MaintenanceModeMiddleware(service=...) or FASTAPI_MAINTENANCE_SERVICE).",
        show_default=False,
    ),
]


def refuse(message: str) -> typer.Exit:
    """One line on stderr saying what is wrong with the command line; exit 2, nothing written."""
    show_error(message)
    return typer.Exit(EXIT_USAGE)


def _option_message(exc: Exception) -> str:
    """The model's message with the field it names given as the option that sets it."""
    text = str(exc)
    for name, option in _OPTIONS.items():
        for separator in (": ", " "):
            if text.startswith(name + separator):
                return f"{option}{separator}{text[len(name) + len(separator) :]}"
    return text


def checked_name(name: str) -> str:
    """``off --scope NAME``'s name, or one line and exit 2 when no scope can have it."""
    try:
        return check_name(name)
    except (TypeError, ValueError) as exc:
        raise refuse(_option_message(exc)) from None


def given_selectors(**selectors: list[str] | None) -> dict[str, tuple[str, ...]]:
    """The selector options that were given, by field name."""
    return {name: tuple(values) for name, values in selectors.items() if values}


def scope_of(
    name: str | None, selectors: dict[str, tuple[str, ...]], details: MaintenanceState
) -> MaintenanceScope | None:
    """The scope ``on`` creates: ``None`` for the global switch (no ``--scope``, no selector).

    A selector without ``--scope``, a bad name or a malformed selector ends the command with
    one line and exit 2 before any backend is built.
    """
    if name is None:
        if selectors:
            given = ", ".join(SELECTORS[field] for field in selectors)
            verb = "selects" if len(selectors) == 1 else "select"
            raise refuse(f"name the scope: --scope NAME ({given} {verb} the requests of a scope)")
        return None
    if not selectors:
        raise refuse(
            f"scope {name!r} needs at least one selector: {', '.join(SELECTORS.values())} "
            "(repeatable)"
        )
    try:
        return MaintenanceScope(
            name=name,
            paths=selectors.get("paths", ()),
            methods=selectors.get("methods", ()),
            tags=selectors.get("tags", ()),
            hosts=selectors.get("hosts", ()),
            services=selectors.get("services", ()),
            read_only=details.read_only,
            message=details.message,
            starts_at=details.starts_at,
            ends_at=details.ends_at,
            updated_by=details.updated_by,
            allow_ips=details.allow_ips,
            allow_paths=details.allow_paths,
        )
    except (TypeError, ValueError) as exc:
        raise refuse(_option_message(exc)) from None
