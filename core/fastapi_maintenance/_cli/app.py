"""The commands of ``fastapi-maintenance``: read, switch and list maintenance state backends.

Exit codes: 0 success (``status``: the state was read, on or off, as in 0.0.5, so it can serve
as a health check), 1 the backend could not be built, reached, read or written, 2 the command
line itself is wrong; ``status --exit-code`` exits 3 when maintenance is on.
"""

from __future__ import annotations

import asyncio
import getpass
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand

from .. import __version__
from .._model.backend import BaseStateBackend
from .._model.model import MAX_MESSAGE_LENGTH, MaintenanceState, window
from .._model.timespec import parse_duration, parse_time
from .._support.redact import redact as redact_spec
from .backend import (
    Switched,
    describe_error,
    driver_rows,
    file_changed_at,
    open_backend,
    read_state,
    reading_notes,
    scope_ender,
    scope_setter,
    switcher,
    use_backend,
)
from .bypass import bypass_token
from .options import parse_options, refuse_doubles
from .output import (
    diagnostics_on_stderr,
    drivers_json,
    show_drivers,
    show_error,
    show_json,
    show_scope_change,
    show_state,
    show_warning,
    state_json,
)
from .scopes import (
    EndScopeArg,
    HostArg,
    MethodArg,
    PathArg,
    ScopeArg,
    ServiceArg,
    TagArg,
    checked_name,
    given_selectors,
    refuse,
    scope_of,
)

_T = TypeVar("_T")

#: ``status --exit-code`` exit code when maintenance mode is on (0 means off).
EXIT_ON = 3
#: Exit code when the backend cannot be built, reached or written.
EXIT_ERROR = 1

app = typer.Typer(
    name="fastapi-maintenance",
    help="🔧 Inspect and switch the maintenance mode of FastAPI applications.",
    rich_markup_mode="rich",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


class _SingleUseCommand(TyperCommand):
    """A command on which an option that takes a value may be given once only.

    ``--file-path A --file-path B`` is more likely a slip than a wish for ``B``.
    """

    # ``Any``: the context is click's, which recent typer releases bundle under another name.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and not ctx.resilient_parsing:
            _, _, order = self.make_parser(ctx).parse_args(args=list(args))
            seen: set[str] = set()
            for param in order:
                flag = getattr(param, "is_flag", False)
                once = param.param_type_name == "option" and not (param.multiple or flag)
                if once and param.name in seen:
                    ctx.fail(f"Option '{param.opts[0]}' is given twice; give it once.")
                seen.add(param.name)
        return list(super().parse_args(ctx, args))


def version_callback(value: bool) -> None:
    """Print the version and exit, for ``--version``."""
    if value:
        typer.echo(f"fastapi-maintenance {__version__}")
        raise typer.Exit()


def _option_syntax(values: list[str] | None) -> list[str] | None:
    try:
        parse_options(values or [])
    except ValueError as exc:
        raise typer.BadParameter(redact_spec(str(exc))) from None
    return values


def _positive(value: float) -> float:
    if not value > 0:
        raise typer.BadParameter(f"must be a number of seconds > 0, got {value:g}")
    return value


BackendArg = Annotated[
    str | None,
    typer.Option(
        "--backend",
        "-b",
        metavar="NAME|URL",
        help="Driver name ([bold]env[/], [bold]file[/], ...) or URL "
        "(file:///var/run/app/maintenance, redis://host:6379/0). "
        "Default (also when empty): $FASTAPI_MAINTENANCE_BACKEND, else env.",
        show_default=False,
    ),
]
VarNameArg = Annotated[
    str | None,
    typer.Option(
        "--var-name",
        metavar="NAME",
        help="Environment variable read by the env driver (default FASTAPI_MAINTENANCE_MODE); "
        "ignored, with a warning, by other drivers.",
        show_default=False,
    ),
]
FilePathArg = Annotated[
    str | None,
    typer.Option(
        "--file-path",
        metavar="PATH",
        help="State file of the file driver; ignored, with a warning, by other drivers.",
        show_default=False,
    ),
]
OptionArg = Annotated[
    list[str] | None,
    typer.Option(
        "--option",
        "-o",
        metavar="KEY=VALUE",
        callback=_option_syntax,
        help="Any driver option, repeatable: -o check_interval=2. Values are passed as text.",
        show_default=False,
    ),
]
TimeoutArg = Annotated[
    float,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        callback=_positive,
        help="Give up when the backend has not answered after this long.",
    ),
]
JsonArg = Annotated[bool, typer.Option("--json", help="Print JSON instead of a sentence.")]


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show version and exit."
        ),
    ] = False,
) -> None:
    """🔧 Inspect and switch the maintenance mode of FastAPI applications."""


def _run(
    backend: str | None,
    var_name: str | None,
    file_path: str | None,
    option: list[str] | None,
    timeout: float,
    action: Callable[[BaseStateBackend], Awaitable[_T]],
) -> tuple[_T, BaseStateBackend]:
    """Build the backend, run ``action`` on it (then close it); any failure ends the command
    with exit 1."""
    flags = {"var_name": var_name, "file_path": file_path}
    try:
        options = parse_options(option or [])
        refuse_doubles(options, flags)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--option'") from None
    try:
        with diagnostics_on_stderr():
            target, notes = open_backend(backend, flags, options)
            for note in notes:
                show_warning(note)
            value = asyncio.run(use_backend(target, action, timeout))
    except Exception as exc:
        show_error(describe_error(exc))
        raise typer.Exit(EXIT_ERROR) from None
    return value, target


@app.command(cls=_SingleUseCommand)
def status(
    backend: BackendArg = None,
    var_name: VarNameArg = None,
    file_path: FilePathArg = None,
    option: OptionArg = None,
    timeout: TimeoutArg = 10.0,
    json: JsonArg = False,
    exit_code: Annotated[
        bool,
        typer.Option("--exit-code", help="Exit 3 when maintenance mode is active now, 0 when not."),
    ] = False,
) -> None:
    """📊 Show whether maintenance mode is on, with its message, mode, window, who and when.

    Exit code 0: the state was read, on or off. 1: it could not be read. 2: bad command line.

    With --exit-code: 0 not active now (off, scheduled or ended), 3 active now.

    [bold]Examples[/]

    $ fastapi-maintenance status

    $ fastapi-maintenance status --backend env --var-name MY_MAINTENANCE_VAR

    $ fastapi-maintenance status --backend file --file-path /tmp/maintenance.txt

    $ fastapi-maintenance status --backend redis://127.0.0.1:6379/0 --json
    """
    current, target = _run(backend, var_name, file_path, option, timeout, read_state)
    for note in reading_notes(target):
        show_warning(note)
    if json:
        show_json(state_json(current, target.describe()))
    else:
        show_state(current, target.describe(), file_changed=file_changed_at(target, current))
    active = current.active_anywhere_at(time.time())
    raise typer.Exit(EXIT_ON if exit_code and active else 0)


def _switch(
    action: Callable[[BaseStateBackend], Awaitable[Switched]],
    backend: str | None,
    var_name: str | None,
    file_path: str | None,
    option: list[str] | None,
    timeout: float,
    json: bool,
    *,
    scope: str | None = None,
) -> None:
    """Run a write, then print the state read back: the whole state, or the scope named
    ``scope`` when the write was one scope's."""
    done, target = _run(backend, var_name, file_path, option, timeout, action)
    ended = None if scope is not None or done.state.on else done.ended
    if json:
        show_json(state_json(done.state, target.describe(), ended))
    elif scope is not None:
        show_scope_change(done.state, scope, target.describe())
    else:
        show_state(done.state, target.describe(), changed=True, ended=done.ended)


def _parsed(text: str | None, parse: Callable[[str], _T], hint: str) -> _T | None:
    """``parse(text)``, or a usage error (exit 2) saying what ``hint`` accepts."""
    if text is None:
        return None
    try:
        return parse(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=hint) from None


MessageArg = Annotated[
    str | None,
    typer.Option(
        "--message",
        "-m",
        metavar="TEXT",
        help=f"What users are told, in the 503 JSON and page (at most {MAX_MESSAGE_LENGTH} "
        "characters).",
        show_default=False,
    ),
]
ForArg = Annotated[
    str | None,
    typer.Option(
        "--for",
        metavar="DURATION",
        help="End after this long (90s, 30m, 2h, 1h30m, 1d), counted from --start if given, "
        "else from now.",
        show_default=False,
    ),
]
UntilArg = Annotated[
    str | None,
    typer.Option(
        "--until",
        metavar="WHEN",
        help="End at this time: ISO 8601 (2026-12-01T03:00Z); without an offset, the local "
        "time of this machine.",
        show_default=False,
    ),
]
StartArg = Annotated[
    str | None,
    typer.Option(
        "--start",
        metavar="WHEN",
        help="Start at this time instead of now (ISO 8601, as --until): a scheduled window.",
        show_default=False,
    ),
]
ReadOnlyArg = Annotated[
    bool,
    typer.Option("--read-only", help="Let reads (GET, HEAD, OPTIONS) pass; block writes."),
]
ByArg = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="NAME",
        help="Who switches it, kept with the state (default: user@host running the command, "
        "when the state has a message, a window, read-only or allow-lists; without them and "
        "without --by the store keeps a plain 1 or 0, as fastapi-maintenance 0.0.5 wrote).",
        show_default=False,
    ),
]
AllowIpArg = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-ip",
        metavar="CIDR",
        help="Let this address or range through in every app reading the state, on top of "
        "its allow_ips (repeatable; e.g. 10.0.0.0/8, 2001:db8::/32, 203.0.113.7).",
        show_default=False,
    ),
]
AllowPathArg = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-path",
        metavar="PATTERN",
        help="Let this path through in every app reading the state, on top of its "
        "exempt_paths (repeatable; an exact path such as /health, or a prefix such as "
        "/internal/*).",
        show_default=False,
    ),
]
_LIST_OPTIONS = {"allow_ips": "'--allow-ip'", "allow_paths": "'--allow-path'"}


def operator() -> str:
    """``user@host`` of whoever runs the command, for ``--by``'s default."""
    host = socket.gethostname()
    try:
        return f"{getpass.getuser()}@{host}"
    except Exception:  # no user name in the environment nor the password database
        return host


def _state_on(
    message: str | None,
    for_: str | None,
    until: str | None,
    start: str | None,
    read_only: bool,
    by: str | None,
    allow_ips: list[str] | None = None,
    allow_paths: list[str] | None = None,
) -> MaintenanceState:
    """The state ``on`` writes, checked before any backend is built (exit 2 when wrong)."""
    if for_ is not None and until is not None:
        raise typer.BadParameter(
            "give either --for (a duration) or --until (an end time), not both",
            param_hint="'--for' / '--until'",
        )
    duration = _parsed(for_, parse_duration, "'--for'")
    ends_at = _parsed(until, parse_time, "'--until'")
    starts_at = _parsed(start, parse_time, "'--start'")
    try:
        starts_at, ends_at = window(starts_at=starts_at, ends_at=ends_at, duration=duration)
        new = MaintenanceState(
            on=True,
            read_only=read_only,
            message=message,
            starts_at=starts_at,
            ends_at=ends_at,
            updated_by=by,
            allow_ips=tuple(allow_ips or ()),
            allow_paths=tuple(allow_paths or ()),
        )
        if by is None and new.has_details:
            # Only then: a plain switch names nobody, so it stays 0.0.5's 1, which 0.0.5 reads.
            new = replace(new, updated_by=operator())
        return new
    except ValueError as exc:
        field, colon, reason = str(exc).partition(": ")
        if colon and field in _LIST_OPTIONS:
            raise typer.BadParameter(reason, param_hint=_LIST_OPTIONS[field]) from None
        raise typer.BadParameter(str(exc)) from None


@app.command(cls=_SingleUseCommand)
def on(
    backend: BackendArg = None,
    var_name: VarNameArg = None,
    file_path: FilePathArg = None,
    option: OptionArg = None,
    timeout: TimeoutArg = 10.0,
    json: JsonArg = False,
    message: MessageArg = None,
    for_: ForArg = None,
    until: UntilArg = None,
    start: StartArg = None,
    read_only: ReadOnlyArg = False,
    by: ByArg = None,
    allow_ip: AllowIpArg = None,
    allow_path: AllowPathArg = None,
    scope: ScopeArg = None,
    path: PathArg = None,
    method: MethodArg = None,
    tag: TagArg = None,
    host: HostArg = None,
    service: ServiceArg = None,
) -> None:
    """🔴 Switch maintenance mode on (a shared store: env is read-only, memory per process).

    A message, a window, read-only mode, allow-lists or scopes need a driver that stores
    them (file, redis, sql): `fastapi-maintenance backends` lists what each driver stores.

    With --scope NAME and selectors (--path, --method, --tag, --host, --service), only the
    requests they pick are in maintenance, with the scope's own details; the global switch
    and the other scopes stay as they are. Without --scope, the global switch, which keeps
    the stored scopes.

    $ fastapi-maintenance on --backend file:///var/run/app/maintenance

    $ fastapi-maintenance on --for 30m --message "Database upgrade, back at 03:00 UTC"

    $ fastapi-maintenance on --start 2026-12-01T02:00Z --until 2026-12-01T03:00Z --read-only

    $ fastapi-maintenance on --allow-ip 10.0.0.0/8 --allow-path "/internal/*"

    $ fastapi-maintenance on --scope billing-down --path "/billing/*" --for 1h
    """
    selectors = given_selectors(paths=path, methods=method, tags=tag, hosts=host, services=service)
    if scope is None and selectors:
        scope_of(scope, selectors, MaintenanceState())  # refuses: the scope has no name
    new = _state_on(message, for_, until, start, read_only, by, allow_ip, allow_path)
    if scope is None:
        action = switcher(new, operator=operator() if by is None else None)
        _switch(action, backend, var_name, file_path, option, timeout, json)
        return
    if by is None:
        new = replace(new, updated_by=operator())
    made = scope_of(scope, selectors, new)
    assert made is not None
    _switch(scope_setter(made), backend, var_name, file_path, option, timeout, json, scope=scope)


@app.command(cls=_SingleUseCommand)
def off(
    backend: BackendArg = None,
    var_name: VarNameArg = None,
    file_path: FilePathArg = None,
    option: OptionArg = None,
    timeout: TimeoutArg = 10.0,
    json: JsonArg = False,
    by: ByArg = None,
    scope: EndScopeArg = None,
) -> None:
    """🟢 Switch maintenance mode off, clearing its message and window and ending every
    scope (a shared store, as on); with --scope NAME, end that scope only.

    Without --by the store keeps a plain 0, as fastapi-maintenance 0.0.5 wrote.

    $ fastapi-maintenance off --backend file:///var/run/app/maintenance

    $ fastapi-maintenance off --scope billing-down
    """
    if scope is not None:
        if by is not None:
            raise refuse("--by goes with ending everything, not with --scope")
        checked_name(scope)
        _switch(
            scope_ender(scope), backend, var_name, file_path, option, timeout, json, scope=scope
        )
        return
    new = MaintenanceState(on=False, updated_by=by)
    _switch(switcher(new), backend, var_name, file_path, option, timeout, json)


@app.command("backends", cls=_SingleUseCommand)
def list_backends(
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if any installed driver fails to load.")
    ] = False,
    json: JsonArg = False,
) -> None:
    """🔌 List the installed state drivers, and why a broken one fails to load."""
    with diagnostics_on_stderr():
        rows = driver_rows()
    if json:
        show_json(drivers_json(rows))
    else:
        show_drivers(rows)
    broken = [row.name for row in rows if row.error]
    if check and broken:
        show_error(f"{len(broken)} driver(s) fail to load: {', '.join(broken)}")
        raise typer.Exit(EXIT_ERROR)


app.command("bypass-token")(bypass_token)
