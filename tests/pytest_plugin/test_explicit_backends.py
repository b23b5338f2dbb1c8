"""The ``maintenance`` fixture reaches an app built with an explicit backend (the
deployment page's ``backend=settings.maintenance_backend``), and switches on with details."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

pytestmark = pytest.mark.slow

#: A user's app that takes its backend from its settings: a state file that holds "on",
#: neither read nor written under the fixture.
USER_APP = """
import os

from fastapi import FastAPI

from fastapi_maintenance import MaintenanceModeMiddleware, force_maintenance_mode_off

SETTINGS = {"maintenance_backend": "file://" + os.environ["SHOP_STATE_FILE"]}

app = FastAPI()
app.add_middleware(MaintenanceModeMiddleware, backend=SETTINGS["maintenance_backend"])


@app.get("/items")
def items() -> list[str]:
    return ["apple"]


@app.post("/items")
def add_item() -> str:
    return "added"


@app.get("/health")
@force_maintenance_mode_off
def health() -> str:
    return "ok"
"""

USER_TESTS = """
from datetime import timedelta

from fastapi.testclient import TestClient

from shop import app


def test_the_app_starts_off_under_the_fixture_though_its_own_backend_is_on(maintenance):
    with TestClient(app) as client:
        assert client.get("/items").status_code == 200


def test_on_reaches_the_app_given_its_own_backend(maintenance):
    maintenance.on()
    with TestClient(app) as client:
        assert client.get("/items").status_code == 503
        assert client.get("/health").status_code == 200


def test_off_reaches_it_too(maintenance):
    maintenance.on()
    maintenance.off()
    with TestClient(app) as client:
        assert client.get("/items").status_code == 200


def test_on_takes_a_message_and_a_window(maintenance):
    maintenance.on(message="Back at three", duration=timedelta(minutes=30))
    with TestClient(app) as client:
        response = client.get("/items")
    assert response.json()["detail"] == "Back at three"
    assert 1790 <= int(response.headers["Retry-After"]) <= 1800


def test_on_takes_read_only(maintenance):
    maintenance.on(read_only=True, ends_at=None)
    with TestClient(app) as client:
        assert client.get("/items").status_code == 200
        assert client.post("/items").status_code == 503
"""


@pytest.fixture
def user_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """The user's project, its state file holding "on"."""
    state_file = pytester.path / "maintenance"
    state_file.write_text("1")
    monkeypatch.setenv("SHOP_STATE_FILE", str(state_file))
    return pytester


def test_the_fixture_takes_over_the_backend_an_app_was_given(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(shop=USER_APP, test_shop=USER_TESTS)
    result = user_project.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=5)
    assert (user_project.path / "maintenance").read_text() == "1"


def test_after_the_fixture_the_app_serves_its_own_backend(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(
        shop=USER_APP,
        test_shop="""
from fastapi.testclient import TestClient

from shop import app


def test_with_the_fixture(maintenance):
    with TestClient(app) as client:
        assert client.get("/items").status_code == 200


def test_without_the_fixture_the_app_reads_its_own_backend():
    with TestClient(app) as client:
        assert client.get("/items").status_code == 503
""",
    )
    result = user_project.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2)
