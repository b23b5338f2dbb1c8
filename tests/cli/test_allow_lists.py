"""``on --allow-ip CIDR --allow-path PATTERN``: entries stored with the state, which every
app reading it lets through; the installed command, run as a deploy script runs it."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from fastapi_maintenance import MaintenanceModeMiddleware
from fastapi_maintenance.drivers.file import LocalFileBackend

from .conftest import RunScript

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _app(state_file: Path) -> FastAPI:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=LocalFileBackend(state_file))

    @app.get("/{rest:path}")
    async def anything(rest: str) -> str:
        return rest

    return app


@pytest.mark.anyio
async def test_on_with_an_allow_path_lets_it_through_while_other_paths_get_503(
    run_script: RunScript, state_file: Path
) -> None:
    result = run_script("on", "--allow-path", "/internal/*", "--backend", state_file.as_uri())
    assert result.returncode == 0, result.stderr
    transport = httpx.ASGITransport(app=_app(state_file))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/internal/x")).status_code == 200
        assert (await client.get("/items")).status_code == 503


def test_the_options_repeat_and_status_shows_the_entries(
    run_script: RunScript, state_file: Path
) -> None:
    backend = ["--backend", state_file.as_uri()]
    args = ["--allow-ip", "10.0.0.0/8", "--allow-ip", "2001:db8::/32", "--allow-path", "/health"]
    assert run_script("on", *args, *backend).returncode == 0
    result = run_script("status", *backend)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "  Allowed IPs: 10.0.0.0/8, 2001:db8::/32" in lines
    assert "  Allowed paths: /health" in lines


def test_status_json_gives_the_entries_as_lists(run_script: RunScript, state_file: Path) -> None:
    backend = ["--backend", state_file.as_uri()]
    assert run_script("on", "--allow-ip", "203.0.113.7", *backend).returncode == 0
    data = json.loads(run_script("status", "--json", *backend).stdout)
    assert data["allow_ips"] == ["203.0.113.7"]
    assert data["allow_paths"] == []


@pytest.mark.parametrize(
    ("args", "option", "accepted"),
    [
        (["--allow-ip", "10.0.0.1/8"], "'--allow-ip'", "did you mean '10.0.0.0/8'?"),
        (["--allow-ip", "office"], "'--allow-ip'", "accepted: an address ('203.0.113.7'"),
        (["--allow-path", "internal"], "'--allow-path'", "accepted: an exact path such as"),
        (["--allow-path", "/in*ternal"], "'--allow-path'", "accepted: an exact path such as"),
    ],
)
def test_a_malformed_entry_exits_2_with_what_is_accepted_and_writes_nothing(
    run_script: RunScript, state_file: Path, args: list[str], option: str, accepted: str
) -> None:
    result = run_script("on", *args, "--backend", state_file.as_uri())
    assert result.returncode == 2
    flat = " ".join(result.stderr.split())
    assert f"Invalid value for {option}" in flat
    assert accepted in flat
    assert not state_file.exists()


@pytest.mark.parametrize(
    ("page", "heading"),
    [
        ("letting-people-through.md", "## Allow-lists stored with the state"),
        ("operators.md", "## Letting some through for this maintenance"),
    ],
)
def test_the_documented_command_stores_what_the_page_says(
    run_script: RunScript, state_file: Path, page: str, heading: str
) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    lines = [line for line in block.group(1).splitlines() if not line.startswith("#")]
    # The command, after the lines that create the folder and name the backend.
    start = next(i for i, line in enumerate(lines) if line.startswith("fastapi-maintenance"))
    args = shlex.split(" ".join(lines[start:]).replace("\\", ""))
    assert args[:2] == ["fastapi-maintenance", "on"]
    result = run_script(*args[1:], "--backend", state_file.as_uri())
    assert result.returncode == 0, result.stderr
    data = json.loads(run_script("status", "--json", "--backend", state_file.as_uri()).stdout)
    assert data["allow_ips"] == [args[i + 1] for i, a in enumerate(args) if a == "--allow-ip"]
    assert data["allow_paths"] == [args[i + 1] for i, a in enumerate(args) if a == "--allow-path"]
