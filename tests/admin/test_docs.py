"""The admin router example of docs/operators.md works when pasted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import asgi_client

pytestmark = pytest.mark.anyio

PAGE = Path(__file__).resolve().parents[2] / "docs" / "operators.md"
DOCS_BACKEND = '"file:///var/run/myapp/maintenance"'


def example_app(state_file: Path) -> Any:
    """The page's Python example, run with its state file moved under ``state_file``."""
    blocks = re.findall(r"^```python\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.S | re.M)
    (code,) = blocks
    assert DOCS_BACKEND in code
    namespace: dict[str, Any] = {}
    exec(code.replace(DOCS_BACKEND, repr(state_file.as_uri())), namespace)
    return namespace["app"]


async def test_the_example_guards_the_router_with_the_operators_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_TOKEN", "t0ken")
    state_file = tmp_path / "maintenance"
    async with asgi_client(example_app(state_file)) as client:
        assert (await client.get("/admin/maintenance")).status_code in (401, 403)
        wrong = {"Authorization": "Bearer nope"}
        assert (await client.get("/admin/maintenance", headers=wrong)).status_code == 401
        auth = {"Authorization": "Bearer t0ken"}
        switched = await client.post("/admin/maintenance/on", headers=auth, json={})
        assert switched.json()["active"] is True
        assert switched.json()["updated_by"] is None or switched.json()["updated_by"] == "ops"
        assert state_file.exists()
