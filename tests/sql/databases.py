"""The databases the SQL tests run against: the shared servers, and private ones to kill.

Shared servers (never stopped): PostgreSQL at ``SQL_TEST_POSTGRESQL`` (else 127.0.0.1:5432,
user postgres, database test) and MariaDB at ``SQL_TEST_MARIADB`` (else 127.0.0.1:3306, user
root, database test). A test that stops or restarts a database starts its own, on a free
loopback port in a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from .._remote.servers import ServerProcess

POSTGRESQL_URL = os.environ.get(
    "SQL_TEST_POSTGRESQL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
MARIADB_URL = os.environ.get("SQL_TEST_MARIADB", "mysql+aiomysql://root@127.0.0.1:3306/test")
#: Seconds a private server may take to start answering, or to exit.
START_TIMEOUT = 30.0
#: Seconds the tests' own SQLite connections wait for a lock the driver holds for a moment.
SQLITE_BUSY_TIMEOUT = 30.0
#: The synchronous DB driver the tests use behind the driver's back, per database.
_SYNC_DRIVERS = {"postgresql": "psycopg", "mysql": "pymysql", "mariadb": "pymysql", "sqlite": ""}


def sync_engine(url: str) -> Engine:
    """A synchronous engine on the same database as the async ``url``."""
    parsed = make_url(url)
    database = parsed.get_backend_name()
    driver = _SYNC_DRIVERS[database]
    name = f"{database}+{driver}" if driver else database
    return create_engine(parsed.set(drivername=name), connect_args=_connect_timeout(database))


def _connect_timeout(database: str) -> dict[str, float]:
    return {"connect_timeout": 2} if database != "sqlite" else {"timeout": SQLITE_BUSY_TIMEOUT}


def sqlite_locked(url: str) -> bool:
    """Whether a connection holds a lock on the SQLite database at ``url`` now, asked without
    waiting; any other database, or a missing file, is not locked."""
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or not os.path.exists(path):
        return False
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return True
    finally:
        conn.close()


def answers(url: str) -> bool:
    """Whether the database at ``url`` answers a query."""
    engine = sync_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


class PrivateServer(ServerProcess):
    """A database server of the test's own on 127.0.0.1, its files in a temporary folder
    that :meth:`remove` deletes.

    The folder is made in the system's temporary folder and given to ``owner`` when running
    as root: the server runs as that user, who may not enter pytest's private folders.
    """

    owner = ""
    start_timeout = START_TIMEOUT
    poll_pause = 0.1

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="fastapi-maintenance-db-"))
        if os.geteuid() == 0 and self.owner:
            shutil.chown(self.folder, self.owner)

    def remove(self) -> None:
        """Stop the server and delete its files."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def url(self) -> str:
        raise NotImplementedError

    def answers(self) -> bool:
        return answers(self.url)

    def start(self) -> None:
        raise NotImplementedError


def _postgres_bin() -> Path | None:
    base = Path("/usr/lib/postgresql")
    versions = sorted(base.iterdir(), key=lambda p: p.name) if base.is_dir() else []
    for version in reversed(versions):
        if (version / "bin" / "initdb").exists():
            return version / "bin"
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class PostgresServer(PrivateServer):
    """``initdb`` once, then ``pg_ctl start``/``stop`` (immediate: like a crash) at will."""

    owner = "postgres"

    @staticmethod
    def available() -> bool:
        return _postgres_bin() is not None

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        bin_dir = _postgres_bin()
        assert bin_dir is not None
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), *args]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=START_TIMEOUT,
        )

    def start(self) -> None:
        bin_dir = _postgres_bin()
        assert bin_dir is not None
        if not (self.folder / "data").exists():
            subprocess.run(
                _as_postgres(
                    [str(bin_dir / "initdb"), "-D", str(self.folder / "data"), "-A", "trust",
                     "-U", "postgres", "--no-sync"]
                ),
                check=True,
                capture_output=True,
                timeout=120,
            )  # fmt: skip
        log = self.folder / "log"
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-l", str(log), "-o", options, "-w", "start")
        self._wait_until_up(log)

    def stop(self) -> None:
        if (self.folder / "data" / "postmaster.pid").exists():
            self._pg_ctl("-m", "immediate", "-w", "stop")


class MariaDBServer(PrivateServer):
    """``mariadb-install-db`` once, then ``mariadbd`` started and killed at will."""

    owner = "mysql"

    @staticmethod
    def available() -> bool:
        return all(shutil.which(tool) for tool in ("mariadb-install-db", "mariadbd"))

    @property
    def url(self) -> str:
        return f"mysql+aiomysql://root@127.0.0.1:{self.port}/mysql"

    def start(self) -> None:
        data = self.folder / "data"
        user = ["--user=mysql"] if os.geteuid() == 0 else []
        if not data.exists():
            subprocess.run(
                ["mariadb-install-db", *user, f"--datadir={data}",
                 "--auth-root-authentication-method=normal", "--skip-test-db"],
                check=True,
                capture_output=True,
                timeout=120,
            )  # fmt: skip
        log = self.folder / "error.log"
        self.process = subprocess.Popen(
            ["mariadbd", "--no-defaults", *user, f"--datadir={data}", f"--port={self.port}",
             "--bind-address=127.0.0.1", f"--socket={self.folder / 'sock'}",
             f"--pid-file={self.folder / 'pid'}", f"--log-error={log}",
             "--skip-log-bin", "--innodb-flush-log-at-trx-commit=2"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._wait_until_up(log)
