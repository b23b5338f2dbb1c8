"""The example of docs/letting-people-through.md does what the page says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .bypass_support import SECRET, client_for, token

pytestmark = pytest.mark.anyio

PAGE = Path(__file__).resolve().parents[2] / "docs" / "letting-people-through.md"


@pytest.fixture
def documented_app(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The page's first Python example, run with maintenance on and the secret in the
    environment, as the page says."""
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", "env")
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "1")
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BYPASS_SECRET", SECRET)
    block = re.search(r"^```python\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.S | re.M)
    assert block is not None
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), str(PAGE), "exec"), namespace)
    return namespace["app"]


async def test_the_example_lets_probes_office_and_token_holders_through(
    documented_app: Any,
) -> None:
    async with client_for(documented_app, peer="198.51.100.9") as outsider:
        assert (await outsider.get("/")).status_code == 503
        assert (await outsider.get("/healthz")).status_code == 200
        assert (
            await outsider.get("/", headers={"X-Maintenance-Bypass": token()})
        ).status_code == 200
    async with client_for(documented_app, peer="10.0.0.7") as load_balancer:
        office = {"X-Forwarded-For": "203.0.113.50"}
        assert (await load_balancer.get("/", headers=office)).status_code == 200
        assert (await load_balancer.get("/")).status_code == 503
