"""Configuring the SQL driver: URLs, the `sql` name, options; every mistake named. No I/O."""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastapi_maintenance import BackendConfigError, configure_backend
from fastapi_maintenance._state.state import default_backend
from fastapi_maintenance.backends import available_backends, create_backend, get_backend_class
from fastapi_maintenance_sql import (
    DEFAULT_KEY,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_TABLE,
    SqlBackend,
)

PG = "postgresql+asyncpg://app@db:5432/shop"
NAMES = [
    "sql",
    "postgresql",
    "postgresql+asyncpg",
    "postgresql+psycopg",
    "mysql+aiomysql",
    "mysql+asyncmy",
    "mariadb+aiomysql",
    "mariadb+asyncmy",
    "sqlite+aiosqlite",
    "postgresql+psycopg2",
    "postgresql+psycopg2cffi",
    "postgresql+pg8000",
    "mysql",
    "mysql+pymysql",
    "mysql+mysqldb",
    "mysql+mysqlconnector",
    "mysql+mariadbconnector",
    "mariadb",
    "mariadb+pymysql",
    "mariadb+mysqldb",
    "mariadb+mysqlconnector",
    "mariadb+mariadbconnector",
    "sqlite",
    "sqlite+pysqlite",
]


@pytest.mark.parametrize("name", NAMES)
def test_every_url_scheme_and_the_sql_name_are_entry_points_of_the_driver(name: str) -> None:
    assert name in available_backends()
    assert get_backend_class(name) is SqlBackend


@pytest.mark.parametrize(
    ("url", "database", "driver"),
    [
        ("postgresql://app@db/shop", "postgresql", "asyncpg"),
        ("postgresql+asyncpg://app@db/shop", "postgresql", "asyncpg"),
        ("postgresql+psycopg://app@db/shop", "postgresql", "psycopg"),
        ("mysql+aiomysql://app@db/shop", "mysql", "aiomysql"),
        ("mysql+asyncmy://app@db/shop", "mysql", "asyncmy"),
        ("mariadb+aiomysql://app@db/shop", "mariadb", "aiomysql"),
        ("mariadb+asyncmy://app@db/shop", "mariadb", "asyncmy"),
        ("sqlite+aiosqlite:////var/lib/app/state.db", "sqlite", "aiosqlite"),
    ],
)
def test_a_url_builds_the_driver_through_the_registry(url: str, database: str, driver: str) -> None:
    backend = create_backend(url)
    assert isinstance(backend, SqlBackend)
    assert (backend.options.database, backend.options.url.get_driver_name()) == (database, driver)


@pytest.mark.parametrize(
    ("url", "drivername"),
    [
        ("postgresql://app@db/shop", "postgresql+asyncpg"),
        ("postgresql+pg8000://app@db/shop", "postgresql+asyncpg"),
        ("postgresql+psycopg2://app@db/shop?sslmode=require", "postgresql+psycopg"),
        ("postgresql+psycopg2cffi://app@db/shop", "postgresql+psycopg"),
        ("mysql://app@db/shop", "mysql+aiomysql"),
        ("mysql+pymysql://app@db/shop?charset=utf8mb4", "mysql+aiomysql"),
        ("mysql+mysqldb://app@db/shop", "mysql+aiomysql"),
        ("mysql+mysqlconnector://app@db/shop", "mysql+aiomysql"),
        ("mariadb://app@db/shop", "mariadb+aiomysql"),
        ("mariadb+mariadbconnector://app@db/shop", "mariadb+aiomysql"),
        ("sqlite:////var/lib/app/state.db", "sqlite+aiosqlite"),
        ("sqlite+pysqlite:///state.db", "sqlite+aiosqlite"),
    ],
)
def test_a_url_naming_no_or_a_sync_db_driver_gets_the_preferred_installed_async_one(
    url: str, drivername: str
) -> None:
    """With every DB driver installed; tests/sql/test_db_drivers.py takes some away."""
    backend = create_backend(url)
    assert isinstance(backend, SqlBackend)
    assert backend.options.url.drivername == drivername


def test_the_sql_name_takes_the_url_as_an_option() -> None:
    configure_backend("sql", url=PG, table="ops_switch", key="shop", poll_interval="0.5")
    backend = default_backend()
    assert isinstance(backend, SqlBackend)
    assert (backend.table, backend.key, backend.options.poll_interval) == (
        "ops_switch",
        "shop",
        0.5,
    )


def test_the_sql_name_without_a_url_says_what_a_url_looks_like() -> None:
    with pytest.raises(BackendConfigError, match=r"needs a database URL, such as postgresql://"):
        create_backend("sql")


def test_the_environment_variable_may_name_a_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", f"{PG}?table=ops&key=env")
    backend = default_backend()
    assert isinstance(backend, SqlBackend)
    assert (backend.table, backend.key) == ("ops", "env")


def test_defaults() -> None:
    options = SqlBackend(PG).options
    assert (
        (options.table, options.key)
        == (DEFAULT_TABLE, DEFAULT_KEY)
        == (
            "fastapi_maintenance",
            "default",
        )
    )
    assert options.poll_interval == DEFAULT_POLL_INTERVAL == 1.0
    assert (options.create_table, options.listen, options.assume) == (True, "auto", False)


def test_url_query_holds_driver_options_and_leaves_the_rest_to_the_db_driver() -> None:
    backend = SqlBackend.from_url(
        f"{PG}?table=ops&key=shop&assume=on&poll_interval=0.5&resync_interval=20&timeout=3"
        "&create_table=off&listen=off&application_name=shop-web&command_timeout=5"
    )
    options = backend.options
    assert (options.table, options.key, options.assume) == ("ops", "shop", True)
    assert (options.poll_interval, options.resync_interval, options.timeout) == (0.5, 20.0, 3.0)
    assert (options.create_table, options.listen, options.application_name) == (
        False,
        "off",
        "shop-web",
    )
    assert dict(options.url.query) == {"command_timeout": "5"}


def test_keyword_options_win_over_the_url_query() -> None:
    assert SqlBackend.from_url(f"{PG}?key=from-url", key="from-keyword").key == "from-keyword"


@given(st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=191))
def test_any_printable_key_survives_being_percent_encoded_in_a_url(key: str) -> None:
    if not key.strip() or not key.isprintable():
        return
    assert SqlBackend.from_url(f"{PG}?key={quote(key, safe='')}").key == key


def test_engine_options_go_to_sqlalchemy() -> None:
    backend = create_backend("sql", url=PG, echo=True, connect_args={"command_timeout": 5})
    assert isinstance(backend, SqlBackend)
    assert backend.options.engine_options == {"echo": True, "connect_args": {"command_timeout": 5}}


def test_an_unknown_url_option_is_refused_naming_both_kinds_of_options() -> None:
    with pytest.raises(BackendConfigError, match="bogus") as caught:
        create_backend(f"{PG}?bogus=1")
    message = str(caught.value)
    assert "table, key, assume, poll_interval" in message and "the others go to asyncpg" in message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://app@db/shop?bogus=1",
        "mysql+aiomysql://app@db/shop?bogus=1",
        "mysql+asyncmy://app@db/shop?bogus=1",
        "sqlite+aiosqlite:////tmp/state.db?bogus=1",
    ],
)
def test_an_unknown_url_option_is_refused_for_every_db_driver(url: str) -> None:
    with pytest.raises(BackendConfigError, match="bogus"):
        create_backend(url)


def test_an_unknown_keyword_option_is_refused_by_sqlalchemy_with_a_clear_message() -> None:
    with pytest.raises(BackendConfigError, match=r"'bogus'.*The driver's own options are"):
        create_backend("sql", url=PG, bogus=1)


def test_pool_options_are_refused_saying_there_is_no_pool() -> None:
    with pytest.raises(BackendConfigError, match="without a pool"):
        SqlBackend(PG, pool_size=5)


@pytest.mark.parametrize("option", ["poll_interval", "resync_interval", "timeout"])
@pytest.mark.parametrize("bad", ["0", "-1", "nan", "inf", "soon", "", None, True])
def test_durations_must_be_positive_numbers_of_seconds(option: str, bad: object) -> None:
    with pytest.raises(BackendConfigError, match=f"{option} must be a number of seconds > 0"):
        SqlBackend(PG, **{option: bad})


@pytest.mark.parametrize("option", ["assume", "create_table"])
def test_switches_name_the_accepted_spellings(option: str) -> None:
    with pytest.raises(BackendConfigError, match=rf"{option}: .*expected one of"):
        SqlBackend(PG, **{option: "maybe"})


@pytest.mark.parametrize(("given", "mode"), [("auto", "auto"), ("on", "on"), (False, "off")])
def test_listen_is_auto_on_or_off(given: object, mode: str) -> None:
    assert SqlBackend(PG, listen=given).options.listen == mode


def test_listen_names_the_accepted_modes() -> None:
    with pytest.raises(BackendConfigError, match=r"listen must be auto .*on or off"):
        SqlBackend(PG, listen="sometimes")


@pytest.mark.parametrize(
    "bad", ["", "1table", "state; DROP TABLE users", "a-b", "x" * 56, "schema.table", 3]
)
def test_a_table_name_is_letters_digits_and_underscores(bad: object) -> None:
    with pytest.raises(BackendConfigError, match="table must be a name of letters"):
        SqlBackend(PG, table=bad)


@pytest.mark.parametrize("bad", ["", "   ", 3, "k" * 192, "tab\there"])
def test_a_key_is_a_short_printable_string(bad: object) -> None:
    with pytest.raises(BackendConfigError, match="key must be"):
        SqlBackend(PG, key=bad)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mssql+aioodbc://app@db/shop", "PostgreSQL, MySQL, MariaDB or SQLite"),
        ("mysql+oursql://app@db/shop", "mysql+aiomysql:// or mysql+asyncmy://, or mysql://"),
        ("sqlite+pysqlcipher:///state.db", "sqlite+aiosqlite://, or sqlite://"),
        ("postgresql+foo://app@db/shop", "postgresql+asyncpg:// or postgresql+psycopg://"),
        ("postgresql+foo://app@db/shop", "postgresql+psycopg2://"),
        ("sqlite://", "give a file"),
        ("sqlite+aiosqlite://", "give a file"),
        ("sqlite+aiosqlite:///:memory:", "give a file"),
        ("not a url", "cannot parse the database URL"),
    ],
)
def test_a_url_the_driver_cannot_use_is_refused_with_what_it_accepts(
    url: str, expected: str
) -> None:
    with pytest.raises(BackendConfigError, match=expected.replace("+", r"\+")):
        SqlBackend(url)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:s3cret@db:5432/shop", "postgresql+asyncpg://app:***@db:5432/shop"),
        (
            "mysql+aiomysql://root:s3cret@db/shop?charset=utf8mb4",
            "mysql+aiomysql://root:***@db/shop",
        ),
        ("sqlite+aiosqlite:////var/lib/state.db", "sqlite+aiosqlite:////var/lib/state.db"),
    ],
)
def test_describe_names_the_database_table_and_key_but_never_the_password(
    url: str, shown: str
) -> None:
    description = create_backend(url).describe()
    assert description == f"sql: {shown} table=fastapi_maintenance key=default"
    assert "s3cret" not in description


def test_a_refused_url_never_shows_its_password() -> None:
    with pytest.raises(BackendConfigError) as caught:
        create_backend("postgresql://app:s3cret@db/shop?bogus=1")
    assert "s3cret" not in str(caught.value)


def test_cached_value_outside_an_event_loop_is_the_assumed_state() -> None:
    assert SqlBackend(PG, assume="on").cached_value() is True
    assert SqlBackend(PG).cached_value() is False


def test_cached_value_outside_an_event_loop_logs_once_that_it_serves_a_guess(
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = SqlBackend(PG, assume="on")
    with caplog.at_level(logging.WARNING, logger="fastapi_maintenance.sql"):
        backend.cached_value()
        backend.cached_value()
    [record] = caplog.records
    assert "needs an asyncio event loop" in record.getMessage()
    assert "serving the assumed state (on)" in record.getMessage()
