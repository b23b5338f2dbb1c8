"""Build every distribution of the repository and check it as an index would receive it.

``python tools/check_dists.py [OUTDIR]`` (run by ``nox -s build``):

1. builds the sdist and the wheel of the core and of each ``plugins/*`` distribution;
2. runs ``twine check`` on all of them;
3. checks that each wheel declares the entry points its ``pyproject.toml`` declares, and
   that versions and the requirements between the distributions agree;
4. installs each wheel into a fresh virtualenv, in a folder far from the source tree, with
   only the built wheels and the package index to draw from, and imports its packages there.

Exits 1 with one line per problem.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Distribution:
    """One distribution of the repository: its source folder and what it declares."""

    source: Path
    name: str
    entry_points: dict[str, dict[str, str]]
    wheel: Path | None = None

    @property
    def label(self) -> str:
        return str(self.source.relative_to(ROOT)) if self.source != ROOT else "core"


def distributions() -> list[Distribution]:
    """The core and every plugin folder holding a ``pyproject.toml``."""
    found = []
    for source in [ROOT, *sorted(p.parent for p in ROOT.glob("plugins/*/pyproject.toml"))]:
        project = tomllib.loads((source / "pyproject.toml").read_text())["project"]
        found.append(Distribution(source, project["name"], project.get("entry-points", {})))
    return found


def build(dist: Distribution, outdir: Path) -> list[Path]:
    """Build the sdist, then the wheel from that sdist, as an index's users would get it."""
    target = outdir / dist.label.replace("/", "-")
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(target), str(dist.source)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    built = sorted(target.iterdir())
    dist.wheel = next(p for p in built if p.suffix == ".whl")
    return built


def wheel_metadata(wheel: Path) -> tuple[dict[str, dict[str, str]], Version, list[Requirement]]:
    """The entry points, the version and the requirements a wheel declares."""
    with zipfile.ZipFile(wheel) as archive:
        info = next(n.split("/")[0] for n in archive.namelist() if ".dist-info/" in n)
        parser = configparser.ConfigParser(delimiters=("=",))
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        names = archive.namelist()
        if f"{info}/entry_points.txt" in names:
            parser.read_string(archive.read(f"{info}/entry_points.txt").decode())
        metadata = archive.read(f"{info}/METADATA").decode()
    points = {group: {k: v for k, v in parser[group].items()} for group in parser.sections()}
    version = Version(
        next(
            line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Version: ")
        )
    )
    requires = [
        Requirement(line.split(": ", 1)[1])
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist: ")
    ]
    return points, version, requires


def check_metadata(dists: list[Distribution]) -> list[str]:
    """Entry points as declared; requirements between distributions admit the built versions."""
    problems = []
    versions: dict[str, Version] = {}
    requirements: dict[str, list[Requirement]] = {}
    for dist in dists:
        assert dist.wheel is not None
        points, version, requires = wheel_metadata(dist.wheel)
        versions[canonicalize_name(dist.name)] = version
        requirements[dist.name] = requires
        for group, declared in dist.entry_points.items():
            if points.get(group) != declared:
                problems.append(
                    f"{dist.wheel.name}: entry points of {group} are {points.get(group)}, "
                    f"pyproject.toml declares {declared}"
                )
    for name, requires in requirements.items():
        for requirement in requires:
            wanted = canonicalize_name(requirement.name)
            if wanted in versions and not requirement.specifier.contains(versions[wanted]):
                problems.append(
                    f"{name} requires {requirement}, which the built {wanted} "
                    f"{versions[wanted]} does not satisfy"
                )
    core = versions[canonicalize_name("fastapi-maintenance")]
    for name, version in versions.items():
        if version.release[:2] != core.release[:2]:
            problems.append(
                f"{name} {version} is not in the core's {core.major}.{core.minor} series"
            )
    return problems


def packages_of(wheel: Path) -> list[str]:
    """The top-level packages a wheel installs."""
    with zipfile.ZipFile(wheel) as archive:
        return sorted(
            {
                n.split("/")[0]
                for n in archive.namelist()
                if n.endswith("/__init__.py") and n.count("/") == 1
            }
        )


def install_and_import(dist: Distribution, wheels: Path) -> list[str]:
    """Install the wheel in a new virtualenv outside the source tree and import its packages."""
    assert dist.wheel is not None
    with tempfile.TemporaryDirectory(prefix="fresh-install-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = venv / "bin" / "python"
        links = [f"--find-links={folder}" for folder in sorted(wheels.iterdir())]
        install = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                *links,
                str(dist.wheel),
            ],
            capture_output=True,
            text=True,
            cwd=tmp,
        )
        if install.returncode:
            return [f"{dist.wheel.name} does not install: {install.stderr.strip()[-600:]}"]
        problems = []
        for package in packages_of(dist.wheel):
            code = f"import {package}, sys; print({package}.__file__)"
            done = subprocess.run(
                [str(python), "-c", code], capture_output=True, text=True, cwd=tmp
            )
            if done.returncode:
                problems.append(f"{dist.wheel.name}: import {package} fails: {done.stderr[-600:]}")
            elif not done.stdout.strip().startswith(str(venv)):
                problems.append(f"{dist.wheel.name}: {package} imported from {done.stdout.strip()}")
        return problems


def main(argv: list[str]) -> int:
    outdir = (Path(argv[0]) if argv else ROOT / "dist").resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    dists = distributions()
    built = [path for dist in dists for path in build(dist, outdir)]
    subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, built)], check=True
    )
    problems = check_metadata(dists)
    for dist in dists:
        failed = install_and_import(dist, outdir)
        problems += failed
        verdict = "does not install or import" if failed else "installed and imported"
        print(f"{dist.label}: {dist.wheel.name if dist.wheel else '?'} {verdict}")
    for problem in problems:
        print(problem)
    print(f"{len(dists)} distributions, {len(built)} files in {outdir}, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
