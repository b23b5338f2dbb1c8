"""Development sessions: ``nox -s tests``, ``lint``, ``typecheck``, ``docs``, ``servers``,
``bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

# The core with its CLI and test tools, plus every first-party plugin distribution.
INSTALL = [
    "-e",
    ".[test,cli]",
    "-e",
    "plugins/redis[test]",
    "-e",
    "plugins/sql[asyncpg,psycopg,aiomysql,asyncmy,aiosqlite]",
]
#: The same, plus the servers and frameworks tests/servers runs the middleware under.
INSTALL_SERVERS = ["-e", ".[test,cli,servers]", *INSTALL[2:]]


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite, including the Redis, SQL and multi-process tests.

    Every server runs once with FastAPI and every framework once under uvicorn; the
    ``servers`` session runs every pair.
    """
    session.install(*INSTALL_SERVERS)
    session.run("pytest", *session.posargs)


@nox.session
def servers(session: nox.Session) -> None:
    """Every framework under every server, in real processes (``tests/servers``)."""
    session.install(*INSTALL_SERVERS)
    session.run("pytest", "tests/servers", *session.posargs, env={"SERVERS_MATRIX": "full"})


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the core package and on each first-party plugin."""
    session.install(*INSTALL, "mypy")
    session.run("mypy")
    plugins = (
        "plugins/redis/fastapi_maintenance_redis",
        "plugins/sql/fastapi_maintenance_sql",
        "plugins/example/src",
    )
    for package in plugins:
        session.run("mypy", "--strict", package, env={"MYPYPATH": "core"})


@nox.session
def docs(session: nox.Session) -> None:
    """Check that every page links to pages that exist and every Python example compiles."""
    session.run("python", "docs/check_docs.py")


@nox.session
def bench(session: nox.Session) -> None:
    """Per-request cost of the middleware against a bare app, and Redis propagation."""
    session.install(*INSTALL)
    session.run("python", "-m", "tests.bench", *session.posargs)
