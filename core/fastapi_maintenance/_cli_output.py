"""How the command line shows things: rich when on a terminal, plain lines when piped."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ._cli_backend import DriverRow
from ._redact import redact

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


def show_state(value: bool, where: str, *, changed: bool = False) -> None:
    """``🔴 Maintenance mode is ON (file: /tmp/m.txt)``, as 0.0.5 printed it."""
    console = _console()
    word, style, emoji = ("ON", "bold red", "🔴") if value else ("OFF", "bold green", "🟢")
    verb = "is now" if changed else "is"
    console.print(
        Text.assemble(
            _icon(console, emoji), f"Maintenance mode {verb} ", (word, style), f" ({inert(where)})"
        )
    )


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


def state_json(value: bool, where: str) -> dict[str, object]:
    return {"maintenance": value, "backend": redact(where)}


def _yes_no(flag: bool | None, yes: str, no: str) -> Text:
    if flag is None:
        return Text("?", style="dim")
    return Text(yes if flag else no)


def show_drivers(rows: Sequence[DriverRow]) -> None:
    """A table of drivers; a broken one shows its error in the last column."""
    table = Table(title="State drivers")
    table.add_column("name", style="bold")
    table.add_column("distribution", overflow="fold")
    table.add_column("version")
    table.add_column("URL")
    table.add_column("access")
    table.add_column("stores")
    table.add_column("status", overflow="fold")
    for row in rows:
        status = Text(f"error: {inert(row.error)}", "red") if row.error else Text("ok", "green")
        table.add_row(
            Text(inert(row.name)),
            Text(inert(row.distribution or row.source)),
            Text(inert(row.version or "-")),
            _yes_no(row.supports_url, "yes", "no"),
            _yes_no(row.read_only, "read-only", "writable"),
            Text(row.stores) if row.stores else Text("?", style="dim"),
            status,
        )
    _console().print(table)


def drivers_json(rows: Sequence[DriverRow]) -> list[dict[str, object]]:
    return [asdict(row) for row in rows]
