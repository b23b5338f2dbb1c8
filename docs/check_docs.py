"""Check the user guide: relative links point at files that exist, Python examples compile.

With ``--run``, the examples marked as complete programs are also executed against the
installed package, so the pages cannot drift from the code. A marker is an HTML comment on
the line before the code fence (invisible in the rendered page):

- ``<!-- docs: run -->`` before a ``python`` block: run as a script; it must exit 0.
- ``<!-- docs: pytest -->`` before a ``python`` block: run by pytest as a test module, with
  the installed plugins (fastapi-maintenance's fixtures among them); every test must pass.
- ``<!-- docs: sh -->`` before a ``bash`` block: the page's marked shell blocks run in order,
  as one ``bash -e`` script, as a reader would type them.

Each page's examples run in a fresh temporary folder; paths under ``/tmp/`` in them are moved
into it, so runs leave nothing behind and never meet.

Every name a public module exports (``PUBLIC_MODULES``, their ``__all__``) must be in the API
reference (``docs/reference/*.md``): named by a ``::: module.name`` directive, listed under
the ``members:`` of its module's directive, in a module rendered whole (a ``::: module``
directive without ``members:``), or the same class, function or object as a name that is.
Every argument of ``MaintenanceModeMiddleware`` must be in the table of getting-started's
"Middleware arguments".

Every ``fastapi-maintenance`` command in a shell block (``bash``, ``sh``, ``shell``, and the
``$ `` lines of ``console`` and ``text`` blocks) must name its backend, so that it runs as
pasted: with ``--backend``/``-b``, with ``FASTAPI_MAINTENANCE_BACKEND=...`` in front of it, or
after an ``export FASTAPI_MAINTENANCE_BACKEND=`` line earlier in the same block. Exceptions:
the commands that read no backend (``backends``, ``bypass-token``, ``--help``, ``--version``),
and a command run in a compose service (``docker compose exec|run ... SERVICE``) when a
``yaml`` block of the page sets ``FASTAPI_MAINTENANCE_BACKEND`` in its environment.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *ROOT.glob("plugins/*/README.md"),
]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
MARKED = re.compile(r"^<!-- docs: (run|pytest|sh) -->\n```(\w+)\n(.*?)^```", re.S | re.M)
LANGUAGES = {"run": "python", "pytest": "python", "sh": "bash"}
#: Fenced blocks whose lines may hold commands: the language, then the body.
BLOCK = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.S | re.M)
#: Languages whose every line is a command; other blocks count only their ``$ `` lines.
SHELLS = {"bash", "sh", "shell"}
#: What separates two commands on one line.
SEPARATOR = re.compile(r"&&|\|\||\$\(|[;|()`]")
#: ``NAME=value`` in front of a command.
ASSIGNMENT = re.compile(r"^(\w+)=(\"[^\"]*\"|'[^']*'|\S*)\s+")
#: A command of the compose service whose environment the page's compose file sets.
COMPOSE = re.compile(r"^docker\s+compose\s+(?:exec|run)\s+(?:-\S+\s+)*[\w.-]+\s+")
#: A compose file setting the backend variable.
COMPOSE_BACKEND = re.compile(
    r"^```yaml\n(?:(?!^```).)*FASTAPI_MAINTENANCE_BACKEND[:=]", re.S | re.M
)
#: Options of ``fastapi-maintenance`` with which it builds no backend (nor do the commands
#: ``backends`` and ``bypass-token``).
NO_BACKEND_FLAGS = {"--help", "--version"}
#: Words that may stand before a command.
PREFIXES = {"if", "then", "!", "exec", "sudo", "time", "until", "while"}
#: The modules whose ``__all__`` names are public: each is in the API reference.
PUBLIC_MODULES = (
    "fastapi_maintenance",
    "fastapi_maintenance.middleware",
    "fastapi_maintenance.backends",
    "fastapi_maintenance.decorators",
    "fastapi_maintenance.responses",
    "fastapi_maintenance.hookspecs",
    "fastapi_maintenance.admin",
    "fastapi_maintenance.testing",
    "fastapi_maintenance.remote",
    "fastapi_maintenance.pytest_plugin",
    "fastapi_maintenance_redis",
    "fastapi_maintenance_sql",
    "fastapi_maintenance_sql.alembic",
)
REFERENCE = sorted((ROOT / "docs" / "reference").glob("*.md"))
#: A mkdocstrings directive and its indented options.
DIRECTIVE = re.compile(r"^::: ([\w.]+)[ \t]*\n((?:(?:[ \t]+\S.*)?\n)*)", re.M)
#: The page, and the heading of the table, that list every argument of the middleware.
ARGUMENTS_PAGE = ROOT / "docs" / "getting-started.md"
ARGUMENTS_HEADING = "## Middleware arguments"
#: Values too common to tell two names apart: each such name must be documented itself.
PLAIN = (str, bytes, int, float, bool, type(None))
#: Seconds an example may take.
TIMEOUT = 120


def problems(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    found = []
    for target in LINK.findall(text):
        if "://" in target or target.startswith(("#", "mailto:")):
            continue
        path = (page.parent / target.split("#", 1)[0]).resolve()
        if not path.exists():
            found.append(f"{page.relative_to(ROOT)}: broken link {target}")
    for number, block in enumerate(CODE.findall(text), 1):
        try:
            compile(block, f"{page.name} block {number}", "exec")
        except SyntaxError as exc:
            found.append(f"{page.relative_to(ROOT)}: python block {number} does not compile: {exc}")
    for kind, language, _ in MARKED.findall(text):
        if LANGUAGES[kind] != language:
            found.append(
                f"{page.relative_to(ROOT)}: a '{kind}' marker stands before a {language} block; "
                f"it marks {LANGUAGES[kind]} blocks"
            )
    return found + unnamed_backends(text, str(page.relative_to(ROOT)))


def _commands(body: str, language: str) -> list[tuple[int, str]]:
    """The command lines of a block, continuations joined, comments cut: (index, line)."""
    prompted = language not in SHELLS and any(line.startswith("$ ") for line in body.splitlines())
    if language not in SHELLS and language != "console" and not prompted:
        return []
    found: list[tuple[int, str]] = []
    continued = False
    for index, line in enumerate(body.splitlines()):
        if continued:
            found[-1] = (found[-1][0], found[-1][1] + " " + line.strip())
        elif prompted and not line.startswith("$ "):
            continue
        else:
            found.append((index, line.removeprefix("$ ").strip()))
        continued = line.endswith("\\")
        if continued:
            found[-1] = (found[-1][0], found[-1][1].removesuffix("\\").rstrip())
    return [(index, re.sub(r"(^|\s)#.*", "", command)) for index, command in found]


def _names_no_backend(command: str, composed: bool) -> bool:
    """Whether ``command`` runs ``fastapi-maintenance`` needing a backend it does not name."""
    if composed and COMPOSE.match(command):
        return False
    command = COMPOSE.sub("", command)
    while assignment := ASSIGNMENT.match(command):
        if assignment.group(1) == "FASTAPI_MAINTENANCE_BACKEND":
            return False
        command = command[assignment.end() :]
    words = command.split()
    while words and words[0] in PREFIXES:
        words.pop(0)
    if not words or words[0].rsplit("/", 1)[-1] != "fastapi-maintenance":
        return False
    arguments = words[1:]
    if arguments[:1] in (["backends"], ["bypass-token"]) or NO_BACKEND_FLAGS & set(arguments):
        return False
    return not any(
        word in {"--backend", "-b"} or word.startswith(("--backend=", "-b")) for word in arguments
    )


def unnamed_backends(text: str, name: str) -> list[str]:
    """The ``fastapi-maintenance`` command lines of the page ``name`` holding ``text`` that
    leave the backend unnamed, each with its line number."""
    composed = bool(COMPOSE_BACKEND.search(text))
    found = []
    for block in BLOCK.finditer(text):
        first = text.count("\n", 0, block.start(3)) + 1
        exported = False
        for index, line in _commands(block.group(3), block.group(2)):
            if re.match(r"export\s+FASTAPI_MAINTENANCE_BACKEND=", line):
                exported = True
            if exported:
                continue
            if any(_names_no_backend(part.strip(), composed) for part in SEPARATOR.split(line)):
                found.append(
                    f"{name}:{first + index}: fastapi-maintenance without "
                    f"--backend and no 'export FASTAPI_MAINTENANCE_BACKEND=' above it in the "
                    f"block: {line.strip()}"
                )
    return found


def _documented(texts: list[str]) -> set[tuple[str, str]]:
    """(module, name) of every object the reference pages ``texts`` render."""
    found = set()
    for text in texts:
        for target, options in DIRECTIVE.findall(text):
            members = re.search(r"^\s+members:\s*\n((?:\s+- .*\n?)+)", options, re.M)
            try:
                module = importlib.import_module(target)
            except ModuleNotFoundError:
                module_name, _, name = target.rpartition(".")
                found.add((module_name, name))
                continue
            names = re.findall(r"- (\w+)", members.group(1)) if members else module.__all__
            found.update((target, name) for name in names)
    return found


def missing_from_reference(texts: list[str], modules: tuple[str, ...]) -> list[str]:
    """The public names of ``modules`` that the reference pages ``texts`` do not render."""
    documented = _documented(texts)
    rendered = [
        getattr(importlib.import_module(module), name)
        for module, name in documented
        if hasattr(importlib.import_module(module), name)
    ]
    found = []
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            value = getattr(module, name)
            if (module_name, name) in documented:
                continue
            if not isinstance(value, PLAIN) and any(value is other for other in rendered):
                continue
            found.append(
                f"docs/reference: {module_name}.{name} is public (in __all__) but on no "
                f"reference page: add it to the members of a '::: {module_name}' directive"
            )
    return found


def unlisted_arguments(text: str) -> list[str]:
    """The arguments of ``MaintenanceModeMiddleware`` missing from the arguments table."""
    from fastapi_maintenance import MaintenanceModeMiddleware

    section = text.partition(ARGUMENTS_HEADING)[2].split("\n## ", 1)[0]
    listed = set()
    for row in section.splitlines():
        if row.startswith("|"):
            listed.update(re.findall(r"`(\w+)`", row.split("|")[1]))
    arguments = list(inspect.signature(MaintenanceModeMiddleware.__init__).parameters)[2:]
    return [
        f"{ARGUMENTS_PAGE.relative_to(ROOT)}: the middleware's argument {argument} is not in "
        f"the table under '{ARGUMENTS_HEADING}'"
        for argument in arguments
        if argument not in listed
    ]


def _run(command: list[str], folder: Path, what: str) -> str | None:
    """Run ``command`` in ``folder``; a failure, described, or ``None``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "FASTAPI_MAINT"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    try:
        done = subprocess.run(
            command, cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return f"{what}: still running after {TIMEOUT} s"
    if done.returncode:
        return f"{what}: exit {done.returncode}\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
    return None


def run_examples(page: Path) -> tuple[int, list[str]]:
    """Execute the marked examples of ``page``: how many ran, and the failures."""
    text = page.read_text(encoding="utf-8")
    marked = MARKED.findall(text)
    if not marked:
        return 0, []
    name = page.relative_to(ROOT)
    failures = []
    with tempfile.TemporaryDirectory(prefix="docs-") as tmp:
        folder = Path(tmp)

        def private(code: str) -> str:
            return code.replace("/tmp/", f"{folder}/")

        shell = [private(code) for kind, _, code in marked if kind == "sh"]
        for number, (kind, _, code) in enumerate(marked, 1):
            what = f"{name}: {kind} example {number}"
            if kind == "run":
                script = folder / f"example_{number}.py"
                script.write_text(private(code), encoding="utf-8")
                failures.append(_run([sys.executable, script.name], folder, what))
            elif kind == "pytest":
                module = folder / f"test_example_{number}.py"
                module.write_text(private(code), encoding="utf-8")
                command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
                failures.append(_run([*command, module.name], folder, what))
        if shell:
            script = folder / "page.sh"
            script.write_text("\n".join(shell), encoding="utf-8")
            failures.append(_run(["bash", "-e", script.name], folder, f"{name}: shell examples"))
    return len(marked), [failure for failure in failures if failure]


def main(argv: list[str]) -> int:
    found = [problem for page in PAGES for problem in problems(page)]
    reference = [page.read_text(encoding="utf-8") for page in REFERENCE]
    found += missing_from_reference(reference, PUBLIC_MODULES)
    found += unlisted_arguments(ARGUMENTS_PAGE.read_text(encoding="utf-8"))
    ran = 0
    if "--run" in argv:
        for page in PAGES:
            count, failures = run_examples(page)
            ran += count
            found += failures
    for problem in found:
        print(problem)
    summary = f"{len(PAGES)} pages checked, {len(found)} problems"
    if "--run" in argv:
        summary += f", {ran} examples run"
    print(summary)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
