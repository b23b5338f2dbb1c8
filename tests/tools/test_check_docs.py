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


def test_the_api_reference_renders_every_public_name() -> None:
    pages = [page.read_text(encoding="utf-8") for page in check_docs.REFERENCE]
    assert check_docs.missing_from_reference(pages, check_docs.PUBLIC_MODULES) == []


def test_a_public_name_left_out_of_a_members_list_is_reported() -> None:
    page = "::: fastapi_maintenance.admin\n    options:\n      members:\n        - admin_router\n"
    [report] = check_docs.missing_from_reference([page], ("fastapi_maintenance.admin",))
    assert "fastapi_maintenance.admin.DEFAULT_UPDATED_BY" in report


def test_a_module_rendered_whole_documents_its_names() -> None:
    page = "# Admin\n\n::: fastapi_maintenance.admin\n"
    assert check_docs.missing_from_reference([page], ("fastapi_maintenance.admin",)) == []


def test_a_class_documented_under_another_module_counts() -> None:
    page = "::: fastapi_maintenance.MaintenanceModeMiddleware\n"
    modules = ("fastapi_maintenance.middleware",)
    assert check_docs.missing_from_reference([page], modules) == []


def test_a_constant_documented_under_another_module_does_not_count() -> None:
    page = "::: fastapi_maintenance_redis.DEFAULT_KEY\n"
    reports = check_docs.missing_from_reference([page], ("fastapi_maintenance_sql",))
    assert any("fastapi_maintenance_sql.DEFAULT_KEY" in report for report in reports)


def test_every_middleware_argument_is_in_the_getting_started_table() -> None:
    assert check_docs.unlisted_arguments(check_docs.ARGUMENTS_PAGE.read_text()) == []


def test_a_middleware_argument_missing_from_the_table_is_reported() -> None:
    text = check_docs.ARGUMENTS_PAGE.read_text().replace("| `page` |", "| `the_page` |")
    [report] = check_docs.unlisted_arguments(text)
    assert "argument page " in report
