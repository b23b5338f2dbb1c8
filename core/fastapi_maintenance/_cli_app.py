"""The commands of ``fastapi-maintenance``: read, switch and list maintenance state backends.

Exit codes: 0 success (``status``: the state was read, on or off, as in 0.0.5, so it can serve
as a health check), 1 the backend could not be built, reached, read or written, 2 the command
line itself is wrong; ``status --exit-code`` exits 3 when maintenance is on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from . import __version__
from ._backend import BaseStateBackend
from ._cli_backend import (
    describe_error,
    driver_rows,
    open_backend,
    read_state,
    switcher,
    use_backend,
)
from ._cli_bypass import bypass_token
from ._cli_options import parse_options, refuse_doubles
from ._cli_output import (
    diagnostics_on_stderr,
    drivers_json,
    show_drivers,
    show_error,
    show_json,
    show_state,
    show_warning,
    state_json,
)
from ._redact import redact as redact_spec

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
    action: Callable[[BaseStateBackend], Awaitable[bool]],
) -> tuple[bool, str]:
    """Build the backend, run ``action`` on it; any failure ends the command with exit 1."""
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
    return value, target.describe()


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
        typer.Option("--exit-code", help="Exit 3 when maintenance mode is on, 0 when off."),
    ] = False,
) -> None:
    """📊 Show whether maintenance mode is on.

    Exit code 0: the state was read, on or off. 1: it could not be read. 2: bad command line.

    With --exit-code: 0 off, 3 on.

    [bold]Examples[/]

    $ fastapi-maintenance status

    $ fastapi-maintenance status --backend env --var-name MY_MAINTENANCE_VAR

    $ fastapi-maintenance status --backend file --file-path /tmp/maintenance.txt

    $ fastapi-maintenance status --backend redis://127.0.0.1:6379/0
    """
    value, where = _run(backend, var_name, file_path, option, timeout, read_state)
    if json:
        show_json(state_json(value, where))
    else:
        show_state(value, where)
    raise typer.Exit(EXIT_ON if value and exit_code else 0)


def _switch(
    value: bool,
    backend: str | None,
    var_name: str | None,
    file_path: str | None,
    option: list[str] | None,
    timeout: float,
    json: bool,
) -> None:
    now, where = _run(backend, var_name, file_path, option, timeout, switcher(value))
    if json:
        show_json(state_json(now, where))
    else:
        show_state(now, where, changed=True)


@app.command(cls=_SingleUseCommand)
def on(
    backend: BackendArg = None,
    var_name: VarNameArg = None,
    file_path: FilePathArg = None,
    option: OptionArg = None,
    timeout: TimeoutArg = 10.0,
    json: JsonArg = False,
) -> None:
    """🔴 Switch maintenance mode on (writable backends only; env is read-only).

    $ fastapi-maintenance on --backend file:///var/run/app/maintenance
    """
    _switch(True, backend, var_name, file_path, option, timeout, json)


@app.command(cls=_SingleUseCommand)
def off(
    backend: BackendArg = None,
    var_name: VarNameArg = None,
    file_path: FilePathArg = None,
    option: OptionArg = None,
    timeout: TimeoutArg = 10.0,
    json: JsonArg = False,
) -> None:
    """🟢 Switch maintenance mode off (writable backends only; env is read-only).

    $ fastapi-maintenance off --backend file:///var/run/app/maintenance
    """
    _switch(False, backend, var_name, file_path, option, timeout, json)


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
