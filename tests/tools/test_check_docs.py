"""``docs/check_docs.py``, run by ``nox -s docs``: what it refuses in the pages."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

CHECKER = Path(__file__).resolve().parents[2] / "docs" / "check_docs.py"


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_docs", CHECKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_docs = _checker()


def _unnamed(page: str) -> list[str]:
    return check_docs.unnamed_backends(page, "page.md")


@pytest.mark.parametrize(
    "block",
    [
        "```bash\nfastapi-maintenance on\n```",
        "```bash\nfastapi-maintenance status --exit-code   # 3 when on\n```",
        "```bash\n.venv/bin/fastapi-maintenance off\n```",
        "```bash\nmkdir -p /tmp/x && fastapi-maintenance on --for 30m\n```",
        '```bash\nSTATE="$(fastapi-maintenance status --json)"\n```',
        "```bash\nif fastapi-maintenance status --exit-code >/dev/null; then\n  echo up\nfi\n```",
        "```bash\nfastapi-maintenance on --message 'Back soon' \\\n    --for 30m\n```",
        "```console\n$ fastapi-maintenance status\nOFF\n```",
        "```text\n$ fastapi-maintenance status\n🟢 Maintenance mode is OFF\n```",
        "```bash\nfastapi-maintenance on\nexport FASTAPI_MAINTENANCE_BACKEND=file:///tmp/m\n```",
        "```bash\ndocker compose exec backend fastapi-maintenance on\n```",
    ],
)
def test_a_command_that_names_no_backend_is_reported(block: str) -> None:
    assert len(_unnamed(block)) == 1


@pytest.mark.parametrize(
    "block",
    [
        "```bash\nfastapi-maintenance on --backend file:///tmp/m\n```",
        "```bash\nfastapi-maintenance on --backend=file:///tmp/m\n```",
        "```bash\nfastapi-maintenance on -b redis://cache:6379/0\n```",
        "```bash\nfastapi-maintenance on --for 30m \\\n    --backend file:///tmp/m\n```",
        "```bash\nexport FASTAPI_MAINTENANCE_BACKEND=file:///tmp/m\nfastapi-maintenance on\n```",
        "```bash\nFASTAPI_MAINTENANCE_BACKEND=file:///tmp/m fastapi-maintenance status\n```",
        "```bash\nfastapi-maintenance backends\nfastapi-maintenance bypass-token --for 2h\n```",
        "```bash\nfastapi-maintenance --version\nfastapi-maintenance on --help\n```",
        "```bash\npip install fastapi-maintenance\n```",
        "```python\nprint('fastapi-maintenance on')\n```",
        "```text\nfastapi-maintenance on\n```",
        "```yaml\nenvironment:\n  FASTAPI_MAINTENANCE_BACKEND: file:///data/m\n```\n"
        "```bash\ndocker compose exec backend fastapi-maintenance on\n```",
    ],
)
def test_a_command_that_needs_no_backend_or_names_it_passes(block: str) -> None:
    assert _unnamed(block) == []


def test_an_export_in_an_earlier_block_does_not_count() -> None:
    page = (
        "```bash\nexport FASTAPI_MAINTENANCE_BACKEND=file:///tmp/m\n```\n\n"
        "```bash\nfastapi-maintenance on\n```"
    )
    assert len(_unnamed(page)) == 1


def test_the_report_names_the_page_and_the_line() -> None:
    page = "# Title\n\nText.\n\n```bash\nmkdir -p /tmp/x\nfastapi-maintenance on\n```\n"
    [report] = _unnamed(page)
    assert report.startswith("page.md:7: ")
    assert report.endswith("fastapi-maintenance on")
