"""How the command line shows things: rich when on a terminal, plain lines when piped."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, fields
from datetime import datetime, timezone

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from .._model.model import MaintenanceScope, MaintenanceState
from .._model.timespec import format_duration, format_time
from .._support.redact import redact
from .backend import DriverRow

#: Characters that would act on the terminal instead of being shown: C0/C1 controls (escape
#: sequences, carriage returns, new lines) and the marks that reorder text (bidi controls).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def inert(text: str) -> str:
    """``text`` safe to print: credentials masked and control characters shown escaped.

    Messages carry text from outside (driver errors, a server's error replies, file paths),
    which must never clear the screen, move the cursor or fake a line. Output is built from
    rich ``Text``, never parsed as markup, so ``[bold]`` in such text is shown as typed.
    """
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode(), redact(text))


def _console(*, stderr: bool = False) -> Console:
    # soft_wrap keeps each message on one line when piped; highlight=False keeps user text as is.
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _icon(console: Console, emoji: str) -> str:
    """The emoji and a space, or nothing on an output that cannot encode it."""
    return f"{emoji} " if console.encoding.lower().replace("-", "").startswith("utf") else ""


def _word(state: MaintenanceState, now: datetime) -> tuple[str, str, str]:
    """What ``state`` does at ``now``: its word, the word's style and the emoji before it."""
    if state.is_active(now):
        return "ON", "bold red", "🔴"
    if state.is_scheduled(now):
        return "SCHEDULED", "bold yellow", "🟡"
    return "OFF", "bold green", "🟢"


def _print_lines(console: Console, lines: Sequence[tuple[str, str]]) -> None:
    for label, value in lines:
        console.print(Text.assemble("  ", (f"{label}:", "bold"), " ", inert(value)))


def show_state(
    state: MaintenanceState,
    where: str,
    *,
    changed: bool = False,
    file_changed: datetime | None = None,
    ended: Sequence[str] = (),
) -> None:
    """``🔴 Maintenance mode is ON (file: /tmp/m.txt)``, as 0.0.5 printed it, then the details,
    then each stored scope.

    A plain on/off state prints that one line; a message, a window, read-only and who
    switched it when follow on lines of their own, times in UTC. ``file_changed``: when the
    state file of a plain state (which keeps no time) last changed. ``ended``: the scopes
    the change ended, counted on a line of its own.
    """
    console = _console()
    now = datetime.now(timezone.utc)
    word, style, emoji = _word(state, now)
    verb = "is now" if changed else "is"
    console.print(
        Text.assemble(
            _icon(console, emoji), f"Maintenance mode {verb} ", (word, style), f" ({inert(where)})"
        )
    )
    lines = state_details(state, now)
    if file_changed is not None:
        lines.append(("Updated", f"at {format_time(file_changed)} (when the file changed)"))
    if ended:
        lines.append(("Scopes ended", f"{len(ended)} ({', '.join(ended)})"))
    _print_lines(console, lines)
    for scope in state.scopes:
        _show_scope(console, scope, now)


def show_scope_change(state: MaintenanceState, name: str, where: str) -> None:
    """``🔴 Scope billing is now ON (file: /tmp/m.txt)`` and its details after ``on --scope``,
    or ``🟢 Scope billing ended (file: /tmp/m.txt)`` after ``off --scope``."""
    console = _console()
    scope = state.scope_named(name)
    if scope is None:
        console.print(Text.assemble(_icon(console, "🟢"), f"Scope {name} ended ({inert(where)})"))
        return
    now = datetime.now(timezone.utc)
    _show_scope(console, scope, now, f" ({inert(where)})", "is now")


def _show_scope(
    console: Console, scope: MaintenanceScope, now: datetime, where: str = "", verb: str = "is"
) -> None:
    word, style, emoji = _word(scope.state, now)
    headline = Text.assemble(
        _icon(console, emoji), f"Scope {inert(scope.name)} {verb} ", (word, style), where
    )
    console.print(headline)
    _print_lines(console, scope_details(scope, now))


def scope_details(scope: MaintenanceScope, now: datetime) -> list[tuple[str, str]]:
    """The lines under a scope's headline: its selectors, then its details as a state's."""
    lines = [
        (label, ", ".join(values))
        for label, values in (
            ("Paths", scope.paths),
            ("Methods", scope.methods),
            ("Tags", scope.tags),
            ("Hosts", scope.hosts),
            ("Services", scope.services),
        )
        if values
    ]
    details = state_details(scope.state, now)
    if not any(label == "Mode" for label, _ in details):
        at = 1 if details and details[0][0] == "Message" else 0
        details.insert(at, ("Mode", "full"))
    return lines + details


def state_details(state: MaintenanceState, now: datetime) -> list[tuple[str, str]]:
    """The lines under the headline: ``("Message", "Back at 03:00")``, ``("Time left", "1h")``..."""
    lines: list[tuple[str, str]] = []
    if state.message is not None:
        lines.append(("Message", state.message))
    if state.on and state.has_details:
        mode = "read-only (reads pass, writes get 503)" if state.read_only else "full"
        lines.append(("Mode", mode))
    if state.starts_at is not None or state.ends_at is not None:
        bounds = []
        if state.starts_at is not None:
            bounds.append(f"from {format_time(state.starts_at)}")
        if state.ends_at is not None:
            bounds.append(f"until {format_time(state.ends_at)}")
        lines.append(("Window", " ".join(bounds)))
    if state.is_scheduled(now) and state.starts_at is not None:
        lines.append(("Starts in", format_duration(state.starts_at - now)))
    elif state.is_active(now) and state.ends_at is not None:
        lines.append(("Time left", format_duration(state.ends_at - now)))
    elif state.is_expired(now):
        lines.append(("Time left", "none: the window has ended, so maintenance is off"))
    if state.allow_ips:
        lines.append(("Allowed IPs", ", ".join(state.allow_ips)))
    if state.allow_paths:
        lines.append(("Allowed paths", ", ".join(state.allow_paths)))
    if state.updated_by is not None or state.updated_at is not None:
        who = f"by {state.updated_by}" if state.updated_by is not None else ""
        when = f"at {format_time(state.updated_at)}" if state.updated_at is not None else ""
        lines.append(("Updated", " ".join(part for part in (who, when) if part)))
    return lines


def _say(emoji: str, label: str, style: str, message: str) -> None:
    console = _console(stderr=True)
    console.print(Text.assemble(_icon(console, emoji), (label, style), inert(message)))


def show_error(message: str) -> None:
    """One line on stderr saying what went wrong."""
    _say("❌", "Error: ", "bold red", message)


def show_warning(message: str) -> None:
    """One line on stderr about something that works but deserves attention."""
    _say("⚠️", "Warning: ", "bold yellow", message)


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def diagnostics_on_stderr() -> Iterator[None]:
    """Show what drivers log and warn as single lines on stderr, not as source excerpts.

    They are shown once the block succeeded. When it fails, the one error line says why; a
    driver's warnings about the same trouble (a store it cannot reach) would only repeat it.
    """
    logger = logging.getLogger("fastapi_maintenance")
    collector = _Collector()
    logger.addHandler(collector)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            yield
    finally:
        logger.removeHandler(collector)
    for message in [*collector.messages, *(str(warning.message) for warning in caught)]:
        show_warning(message)


def show_json(data: object) -> None:
    """Machine-readable output: one JSON document on stdout."""
    print(json.dumps(data))


def state_json(
    state: MaintenanceState, where: str, ended: Sequence[str] | None = None
) -> dict[str, object]:
    """``maintenance`` (the global state active now) and ``backend`` as 0.0.5 printed them,
    then every field of ``MaintenanceState`` under its own name, datetimes in ISO 8601 with
    their offset, and ``scopes``: a list of ``scope_json`` (empty without scopes).
    ``ended``: the names of the scopes a change ended, as ``ended_scopes``."""
    now = datetime.now(timezone.utc)
    data: dict[str, object] = {
        "maintenance": state.is_active(now),
        "backend": redact(where),
        **state.to_dict(),
        "scopes": [scope_json(scope, now) for scope in state.scopes],
    }
    if ended is not None:
        data["ended_scopes"] = list(ended)
    return data


def scope_json(scope: MaintenanceScope, now: datetime) -> dict[str, object]:
    """A scope as JSON: every field (lists always present, datetimes in ISO 8601), and
    ``active`` and ``scheduled`` at ``now``."""
    data: dict[str, object] = {}
    for f in fields(scope):
        if f.init:
            value = getattr(scope, f.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            data[f.name] = value
    data["active"] = scope.state.is_active(now)
    data["scheduled"] = scope.state.is_scheduled(now)
    return data


def _yes_no(flag: bool | None, yes: str, no: str) -> Text:
    if flag is None:
        return Text("?", style="dim")
    return Text(yes if flag else no)


def _access(row: DriverRow) -> Text:
    if row.process_local and row.read_only is False:
        return Text("this process")
    return _yes_no(row.read_only, "read-only", "writable")


def show_drivers(rows: Sequence[DriverRow]) -> None:
    """A table of drivers; a broken one shows its error in the last column, one that loads
    but cannot work here (a client library missing) why not."""
    table = Table(title="State drivers")
    # A name is what users type after --backend: never cut, folded or ellipsized.
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("distribution", overflow="fold")
    table.add_column("version")
    table.add_column("URL")
    table.add_column("access")
    table.add_column("stores")
    table.add_column("status", overflow="fold")
    for row in rows:
        if row.error:
            status = Text(f"error: {inert(row.error)}", "red")
        elif row.unusable:
            status = Text(f"not usable: {inert(row.unusable)}", "yellow")
        else:
            status = Text("ok", "green")
        table.add_row(
            Text(inert(row.name)),
            Text(inert(row.distribution or row.source)),
            Text(inert(row.version or "-")),
            _yes_no(row.supports_url, "yes", "no"),
            _access(row),
            _yes_no(row.stores_details, "whole state", "on/off"),
            status,
        )
    _print_whole(table)


def _print_whole(table: Table) -> None:
    """Print ``table`` without cutting what no column may wrap.

    Piped (a CI log, ``| grep``), at its natural width whatever ``COLUMNS`` says: one line
    per row, nothing folded. On a terminal, at least as wide as the table's narrowest form,
    which keeps every unwrappable cell whole and folds the other columns.
    """
    console = _console()
    unbounded = console.options.update_width(1_000_000)
    needed = Measurement.get(console, unbounded, table)
    console.width = max(console.width, needed.minimum) if console.is_terminal else needed.maximum
    console.print(table)


def drivers_json(rows: Sequence[DriverRow]) -> list[dict[str, object]]:
    return [asdict(row) for row in rows]
