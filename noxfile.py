"""Development sessions; ``nox -l`` lists them with what each one does."""

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
    "plugins/sql[asyncpg,psycopg,aiomysql,asyncmy,aiosqlite,test]",
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


#: The pinned releases of the checkers and of everything they read (see .ci/checkers.txt).
CHECKERS = ["-c", ".ci/checkers.txt"]


@nox.session
def lint(session: nox.Session) -> None:
    session.install(*CHECKERS, "ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the core package and on each first-party plugin."""
    session.install(*CHECKERS, *INSTALL, "mypy")
    session.run("mypy")
    plugins = (
        "plugins/redis/fastapi_maintenance_redis",
        "plugins/sql/fastapi_maintenance_sql",
        "plugins/example/src",
    )
    for package in plugins:
        session.run("mypy", "--strict", package, env={"MYPYPATH": "core"})


@nox.session
def lock_checkers(session: nox.Session) -> None:
    """Pin the newest releases the checkers and the code they read run with, into
    .ci/checkers.txt; run lint and typecheck afterwards and fix what they find."""
    session.install(*INSTALL, "mypy", "ruff")
    frozen = session.run("pip", "freeze", "--exclude-editable", silent=True)
    pins = [line for line in str(frozen).splitlines() if line and not line.startswith(("#", "-e"))]
    with open(".ci/checkers.txt") as file:
        header = [line.rstrip("\n") for line in file if line.startswith("#")]
    with open(".ci/checkers.txt", "w") as file:
        file.write("\n".join([*header, *pins]) + "\n")


#: The oldest release of each dependency that the metadata admits, in the core (fastapi,
#: and the oldest starlette that fastapi release admits; pluggy; anyio) and in the Redis
#: distribution (redis-py); pytest and httpx at the oldest releases the test extra admits,
#: since newer ones need a newer pluggy or Starlette; Litestar at the oldest the servers
#: extra admits.
LOWEST = [
    "fastapi==0.109.0",
    "starlette==0.35.0",
    "pydantic==2.5.3",
    "pluggy==1.3.0",
    "anyio==4.13.0",
    "redis==5.0.1",
    "pytest==8.0.2",
    "httpx==0.27.0",
    "litestar==2.10.0",
]
#: The same dependencies, each at the newest release the others let pip choose.
NEWEST = ["fastapi", "starlette", "pydantic", "pluggy", "anyio", "redis"]


@nox.session
@nox.parametrize("end", ["lowest", "newest"])
def bounds(session: nox.Session, end: str) -> None:
    """The test suite against the oldest and the newest dependencies the metadata admits.

    ``nox -s "bounds(end='lowest')"`` or ``"bounds(end='newest')"``; arguments after ``--``
    go to pytest.
    """
    session.install(*INSTALL_SERVERS)
    if end == "lowest":
        session.install(*LOWEST)
        # Litestar after 2.10 needs the `multipart` package, whose module shadows
        # python-multipart's, which FastAPI before 0.115 imports for forms.
        session.run("pip", "uninstall", "-y", "multipart")
    else:
        session.install("--upgrade", "--upgrade-strategy", "eager", *NEWEST)
    session.run("python", "-c", _SHOW_VERSIONS)
    session.run("pytest", *session.posargs)


_SHOW_VERSIONS = (
    "from importlib.metadata import version\n"
    "print(', '.join(f'{n} {version(n)}' for n in " + repr(tuple(NEWEST)) + "))"
)


#: What the documentation site is built with; pydantic-settings only runs a recipe's example,
#: ruff lays out the API reference's long signatures.
DOCS = ["mkdocs-material>=9.5", "mkdocstrings[python]>=0.26", "pydantic-settings>=2", "ruff"]


@nox.session
def docs(session: nox.Session) -> None:
    """Check links, run the pages' complete examples, build the site into site/ (--strict).

    The examples run against the packages as pip installs them (not the source tree), the
    example plugin included; the screenshot and the chart come from their own sessions.
    """
    session.install(
        ".[cli]", "./plugins/redis", "./plugins/sql", "./plugins/example", "pytest", "httpx", *DOCS
    )
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


@nox.session
def pictures(session: nox.Session) -> None:
    """The default maintenance page as headless Chromium renders it, and the benchmark chart.

    Both go to docs/images/. The screenshot needs Chromium (Debian: ``apt-get install -y
    chromium chromium-driver``). The chart is drawn from the saved result
    docs/images/bench-versions.json; ``nox -s pictures -- --measure`` measures this package,
    fastapi-maintenance 0.0.5 (in a virtualenv of its own, on the same FastAPI) and a bare app
    again first, and saves that result.
    """
    session.install(".", "httpx")
    images = "docs/images"
    if "--measure" in session.posargs:
        tmp = session.create_tmp()
        fastapi = session.run(
            "python",
            "-c",
            "from importlib.metadata import version; print(version('fastapi'))",
            silent=True,
        )
        session.run("python", "tools/bench_versions.py", "this package", f"{tmp}/new.json")
        old = f"{tmp}/fastapi-maintenance-0.0.5"
        session.run("python", "-m", "venv", "--clear", old)
        session.run(
            f"{old}/bin/python",
            "-m",
            "pip",
            "install",
            "-q",
            "fastapi-maintenance==0.0.5",
            f"fastapi=={str(fastapi).strip()}",
            external=True,
        )
        session.run(
            f"{old}/bin/python",
            "tools/bench_versions.py",
            "0.0.5",
            f"{tmp}/old.json",
            external=True,
        )
        session.run(
            "python",
            "tools/merge_bench.py",
            f"{images}/bench-versions.json",
            f"{tmp}/new.json",
            f"{tmp}/old.json",
        )
    session.run("python", "tools/screenshot.py", f"{images}/maintenance-page.png")
    session.run(
        "python", "tools/chart.py", f"{images}/bench-versions.json", f"{images}/bench-versions.svg"
    )
