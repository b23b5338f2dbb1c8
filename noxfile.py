"""Development sessions; ``nox -l`` lists them with what each one does."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

# The core with its CLI and test tools, plus every first-party plugin distribution.
INSTALL = ["-e", ".[test,cli]", "-e", "plugins/redis[test]"]


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite, including the Redis and multi-process tests."""
    session.install(*INSTALL)
    session.run("pytest", *session.posargs)


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
    for package in ("plugins/redis/fastapi_maintenance_redis", "plugins/example/src"):
        session.run("mypy", "--strict", package, env={"MYPYPATH": "core"})


#: What the documentation site is built with; pydantic-settings only runs a recipe's example.
DOCS = ["mkdocs-material>=9.5", "mkdocstrings[python]>=0.26", "pydantic-settings>=2"]


@nox.session
def docs(session: nox.Session) -> None:
    """Check links, run the pages' complete examples, build the site into site/ (--strict).

    The examples run against the packages as pip installs them (not the source tree), the
    example plugin included; the screenshot and the chart come from their own sessions.
    """
    session.install(".[cli]", "./plugins/redis", "./plugins/example", "pytest", "httpx", *DOCS)
    session.run("python", "docs/check_docs.py", "--run")
    session.run("mkdocs", "build", "--strict", env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session
def bench(session: nox.Session) -> None:
    """Per-request cost of the middleware against a bare app, and Redis propagation."""
    session.install(*INSTALL)
    session.run("python", "-m", "tests.bench", *session.posargs)


@nox.session
def build(session: nox.Session) -> None:
    """Build, twine-check, install in fresh virtualenvs and import every distribution (dist/)."""
    session.install("build", "twine", "packaging")
    session.run("python", "tools/check_dists.py", "dist", *session.posargs)
