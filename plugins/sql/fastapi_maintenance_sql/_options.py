"""The driver's settings: parsed from keyword arguments or a URL, checked once, up front."""

from __future__ import annotations

import importlib
import inspect
import os
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, InvalidRequestError, NoSuchModuleError, SAWarning
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from fastapi_maintenance import BackendConfigError
from fastapi_maintenance.backends import parse_state_text, redact_spec
from fastapi_maintenance.remote import option_flag, option_text, printable

from . import _sqlite

DEFAULT_TABLE = "fastapi_maintenance"
DEFAULT_KEY = "default"
#: Seconds between two reads of the row where the database cannot push changes: the bound
#: on how stale a process may be on MySQL, MariaDB, SQLite and PostgreSQL behind PgBouncer.
DEFAULT_POLL_INTERVAL = 1.0
#: Seconds between two re-reads of the row while PostgreSQL pushes changes (a missed
#: notification is caught then), and the longest reconnection delay.
DEFAULT_RESYNC_INTERVAL = 10.0
#: Seconds any single database call, and the start-up read, may take.
DEFAULT_TIMEOUT = 2.0
#: How the driver's connections name themselves to the server (``pg_stat_activity``).
DEFAULT_APPLICATION_NAME = "fastapi-maintenance"

#: Async DB drivers per database, each the name of this distribution's extra installing it
#: and of the module it imports.
DB_DRIVERS = {
    "postgresql": ("asyncpg", "psycopg"),
    "mysql": ("aiomysql", "asyncmy"),
    "mariadb": ("aiomysql", "asyncmy"),
    "sqlite": ("aiosqlite",),
}
#: URL forms naming no async DB driver (``postgresql://``) or a synchronous one, as an
#: application's own database URL does, and the async DB drivers they may use, in order of
#: preference: the first whose client library imports is used. A form close to a sync DB
#: driver prefers the async one taking the same connection parameters (psycopg2 and psycopg
#: are both libpq; aiomysql is PyMySQL underneath).
SYNC_FORMS: dict[str, tuple[str, ...]] = {
    "postgresql": ("asyncpg", "psycopg"),
    "postgresql+pg8000": ("asyncpg", "psycopg"),
    "postgresql+psycopg2": ("psycopg", "asyncpg"),
    "postgresql+psycopg2cffi": ("psycopg", "asyncpg"),
    **{
        f"{database}{driver}": ("aiomysql", "asyncmy")
        for database in ("mysql", "mariadb")
        for driver in ("", "+pymysql", "+mysqldb", "+mysqlconnector", "+mariadbconnector")
    },
    "sqlite": ("aiosqlite",),
    "sqlite+pysqlite": ("aiosqlite",),
}
#: The driver's own options; every other URL query parameter goes to the DB driver, every
#: other keyword to ``sqlalchemy.ext.asyncio.create_async_engine``.
DRIVER_OPTIONS = (
    "table",
    "key",
    "assume",
    "poll_interval",
    "resync_interval",
    "timeout",
    "create_table",
    "listen",
    "application_name",
)
#: A table name needs no quoting on any of the three databases, and fits PostgreSQL's 63
#: bytes with room for the channel named after it.
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,54}")
#: The longest key: the key column is ``VARCHAR(191)``, MySQL's longest indexable utf8mb4.
MAX_KEY_LENGTH = 191

Listen = Literal["auto", "on", "off"]


@dataclass(frozen=True)
class SqlOptions:
    """Everything the driver needs to know, validated."""

    #: The SQLAlchemy URL, with the driver's own query parameters taken out.
    url: URL
    table: str = DEFAULT_TABLE
    key: str = DEFAULT_KEY
    assume: bool = False
    poll_interval: float = DEFAULT_POLL_INTERVAL
    resync_interval: float = DEFAULT_RESYNC_INTERVAL
    timeout: float = DEFAULT_TIMEOUT
    create_table: bool = True
    listen: Listen = "auto"
    application_name: str = DEFAULT_APPLICATION_NAME
    #: Keyword arguments for ``create_async_engine``.
    engine_options: dict[str, Any] = field(default_factory=dict)

    @property
    def database(self) -> str:
        """``postgresql``, ``mysql``, ``mariadb`` or ``sqlite``."""
        return self.url.get_backend_name()

    @property
    def pushes(self) -> bool:
        """Whether changes may arrive by LISTEN/NOTIFY rather than by polling."""
        return self.database == "postgresql" and self.listen != "off"

    @property
    def channel(self) -> str:
        """The PostgreSQL notification channel: the table's name."""
        return self.table

    def where(self) -> str:
        """The URL without password or query, for messages."""
        return redacted(self.url)

    def check_reachable(self) -> None:
        """``FileNotFoundError`` if the folder of a SQLite database is missing.

        sqlite would fail to open the file anyway; saying so before aiosqlite starts its
        thread spares that thread a race with the end of the event loop.
        """
        path = self.url.database
        if self.database == "sqlite" and path and not path.startswith("file:"):
            folder = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(folder):
                raise FileNotFoundError(f"the folder of the SQLite database, {folder}, is missing")

    def new_engine(self) -> AsyncEngine:
        """An engine without a pool: each connection is opened for one use and closed after.

        The background task holds one for as long as it follows; a read or write through
        the backend opens one for its own duration. Nothing sits idle in a pool.
        """
        connect_args = {**_own_connect_args(self), **self.engine_options.get("connect_args", {})}
        options = {**self.engine_options, "connect_args": connect_args}
        return create_async_engine(self.url, poolclass=NullPool, **options)


def build_options(
    url: object,
    *,
    table: object,
    key: object,
    assume: object,
    poll_interval: object,
    resync_interval: object,
    timeout: object,
    create_table: object,
    listen: object,
    application_name: object,
    engine_options: dict[str, Any],
) -> SqlOptions:
    """Check every option; the error says what was wrong and what is accepted."""
    options = SqlOptions(
        url=_checked_url(url),
        table=_table(table),
        key=_key(key),
        assume=option_flag("assume", assume),
        poll_interval=_seconds("poll_interval", poll_interval),
        resync_interval=_seconds("resync_interval", resync_interval),
        timeout=_seconds("timeout", timeout),
        create_table=option_flag("create_table", create_table),
        listen=_listen(listen),
        application_name=option_text("application_name", application_name),
        engine_options=dict(engine_options),
    )
    _check_engine(options)
    return options


def split_url(url: str) -> tuple[str, dict[str, str]]:
    """Take the driver's own options out of a URL's query; the rest stays for the DB driver."""
    scheme, _, rest = url.partition("://")
    base, question, query = rest.partition("?")
    if not question:
        return url, {}
    ours: dict[str, str] = {}
    theirs: list[tuple[str, str]] = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in DRIVER_OPTIONS:
            ours[name] = value
        else:
            theirs.append((name, value))
    kept = f"?{urlencode(theirs)}" if theirs else ""
    return f"{scheme}://{base}{kept}", ours


def redacted(url: URL | str) -> str:
    """The URL without its password, and without its query (which may carry one too)."""
    text = url.render_as_string(hide_password=False) if isinstance(url, URL) else url
    return printable(redact_spec(text.partition("?")[0]))


def _checked_url(url: object) -> URL:
    if not isinstance(url, str | URL) or not str(url).strip():
        raise BackendConfigError(
            "the sql driver needs a database URL, such as postgresql://user@host/db, "
            f"mysql+aiomysql://user@host/db or sqlite+aiosqlite:///path.db; got {url!r}"
        )
    try:
        parsed = url if isinstance(url, URL) else make_url(url.strip())
    except ArgumentError:
        shown = redacted(url) if isinstance(url, str) else url
        raise BackendConfigError(
            f"cannot parse the database URL {shown!r}; write it as SQLAlchemy does, "
            "dialect+driver://user:password@host:port/database"
        ) from None
    parsed = _async_form(parsed)
    database, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if driver not in DB_DRIVERS[database]:
        sync = [f"{form}://" for form in SYNC_FORMS if form.partition("+")[0] == database]
        raise BackendConfigError(
            f"{database}+{driver} is not a DB driver the sql driver takes; it takes "
            + " or ".join(f"{database}+{name}://" for name in DB_DRIVERS[database])
            + f", or {', '.join(sync)} (which use whichever of those is installed)"
        )
    if database == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise BackendConfigError(
            "an in-memory SQLite database is private to one connection, so no other "
            "process could share the state; give a file: sqlite+aiosqlite:///path/to/state.db"
        )
    return parsed


def _async_form(url: URL) -> URL:
    """``url`` naming an async DB driver: a URL naming none or a sync one gets the first
    installed of those ``SYNC_FORMS`` gives it; one naming an async driver is kept."""
    form = url.drivername.lower()
    database = url.get_backend_name()
    if database not in DB_DRIVERS:
        raise BackendConfigError(
            f"the sql driver stores the state in PostgreSQL, MySQL, MariaDB or SQLite, not "
            f"{database!r} ({redacted(url)!r})"
        )
    choices = SYNC_FORMS.get(form)
    if choices is None:
        return url
    for driver in choices:
        if missing_client(driver) is None:
            return url.set(drivername=f"{database}+{driver}")
    raise BackendConfigError(
        f"{redacted(url)!r} needs an async DB driver for {database}, and none is installed; "
        + " or ".join(_pip_line(driver) for driver in choices)
    )


def missing_client(driver: str) -> str | None:
    """Why the client library of the async DB driver ``driver`` cannot be imported, or
    ``None`` if it can."""
    try:
        importlib.import_module(driver)
    except ImportError as exc:
        return str(exc) or type(exc).__name__
    return None


def unusable(name: str) -> str | None:
    """Why the driver registered as ``name`` (a URL scheme, or ``sql`` which takes any)
    cannot work here: no DB driver it may use can be imported; said with the line
    installing one."""
    database, _, driver = name.partition("+")
    if name in SYNC_FORMS:
        drivers = SYNC_FORMS[name]
    elif driver in DB_DRIVERS.get(database, ()):
        drivers = (driver,)
    else:
        drivers = tuple(dict.fromkeys(d for names in DB_DRIVERS.values() for d in names))
    reasons = [missing_client(driver) for driver in drivers]
    if None in reasons:
        return None
    if len(drivers) == 1:
        return f"{drivers[0]} cannot be imported ({reasons[0]}): {_pip_line(drivers[0])}"
    return f"none of {', '.join(drivers)} is installed: " + " or ".join(
        _pip_line(driver) for driver in drivers
    )


def _pip_line(driver: str) -> str:
    return f'pip install "fastapi-maintenance-sql[{driver}]"'


def _check_engine(options: SqlOptions) -> None:
    """Build (never connect) the engine and check the DB driver's connection arguments."""
    driver = options.url.get_driver_name()
    with warnings.catch_warnings():
        # SQLAlchemy only warns about query parameters it drops (SQLite's): refuse them.
        warnings.simplefilter("error", SAWarning)
        try:
            engine = options.new_engine()
            args, kwargs = engine.dialect.create_connect_args(engine.url)
        except (ImportError, NoSuchModuleError) as exc:
            raise BackendConfigError(
                f"the {driver} DB driver is not installed ({exc}); {_pip_line(driver)}"
            ) from None
        except (TypeError, ArgumentError, InvalidRequestError, SAWarning) as exc:
            raise BackendConfigError(
                f"SQLAlchemy refuses the options for {options.where()!r}: {_short(exc)}. The "
                f"driver's own options are {', '.join(DRIVER_OPTIONS)}; it opens connections "
                "without a pool, so pool options do not apply"
            ) from None
    try:
        kwargs.update(options.engine_options.get("connect_args", {}))
        kwargs.update(_own_connect_args(options))
        _check_connect_args(driver, args, kwargs)
    except (TypeError, ValueError) as exc:
        given = sorted(options.url.query)
        raise BackendConfigError(
            f"the {driver} DB driver refuses the connection to {options.where()!r} with query "
            f"parameters {', '.join(given) or 'none'}: {_short(exc)}. The sql driver's "
            f"own options are {', '.join(DRIVER_OPTIONS)}; the others go to {driver}"
        ) from None


def _short(exc: BaseException) -> str:
    """SQLAlchemy's message without its background link."""
    return printable(re.sub(r"\s*\(Background on this .*$", "", str(exc)).rstrip("."))


def _check_connect_args(driver: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    """Bind the arguments to the DB driver's ``connect``, so a typo fails now, not later."""
    connect: Callable[..., Any]
    if driver == "psycopg":
        from psycopg.conninfo import make_conninfo

        conninfo = {k: v for k, v in kwargs.items() if k not in ("context", "autocommit")}
        try:
            make_conninfo("", **conninfo)
        except Exception as exc:  # psycopg.ProgrammingError: an unknown libpq option
            raise ValueError(str(exc)) from None
        return
    if driver == "asyncpg":
        import asyncpg  # type: ignore[import-untyped]

        connect = asyncpg.connect
    elif driver == "aiomysql":
        import aiomysql  # type: ignore[import-untyped]

        connect = aiomysql.connect
    elif driver == "asyncmy":
        import asyncmy

        connect = asyncmy.connect
    else:
        import aiosqlite

        connect = aiosqlite.connect
    try:
        signature = inspect.signature(connect)
    except (TypeError, ValueError):  # a compiled function without one: the server decides
        return
    signature.bind(*args, **kwargs)


def _own_connect_args(options: SqlOptions) -> dict[str, Any]:
    """The connection arguments the driver sets, per DB driver: how its connections name
    themselves to the server; on SQLite, how they wait for locks and close."""
    driver, name = options.url.get_driver_name(), options.application_name
    if driver == "aiosqlite":
        return _sqlite.connect_args(options.timeout)
    if driver == "asyncpg":
        return {"server_settings": {"application_name": name}}
    if driver == "psycopg":
        return {"application_name": name}
    if driver == "aiomysql":
        return {"program_name": name}
    return {}


def _table(value: object) -> str:
    if not isinstance(value, str) or not _TABLE_NAME.fullmatch(value):
        raise BackendConfigError(
            "table must be a name of letters, digits and underscores, starting with a letter "
            f"or underscore, at most 55 characters; got {value!r}"
        )
    return value


def _key(value: object) -> str:
    text = option_text("key", value)
    if len(text) > MAX_KEY_LENGTH or not text.isprintable():
        raise BackendConfigError(
            f"key must be printable and at most {MAX_KEY_LENGTH} characters, got "
            f"{len(text)} characters"
        )
    return text


def _listen(value: object) -> Listen:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "auto":
            return "auto"
        try:
            return "on" if parse_state_text(text) else "off"
        except ValueError:
            pass
    raise BackendConfigError(
        "listen must be auto (LISTEN, and poll if notifications do not come through, as "
        f"behind PgBouncer in transaction mode), on or off (poll); got {value!r}"
    )


def _seconds(option: str, value: object) -> float:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seconds = float("nan")
    if not (0 < seconds < float("inf")) or isinstance(value, bool):
        raise BackendConfigError(f"{option} must be a number of seconds > 0, got {value!r}")
    return seconds
