"""Every framework under every server, wrapped by the middleware, in real processes."""

from __future__ import annotations

import pytest

from fastapi_maintenance.responses import DEFAULT_RETRY_AFTER

from .conftest import Cell, Served


@pytest.fixture
def off(served: Served) -> Served:
    served.set_maintenance(False)
    return served


@pytest.fixture
def on(served: Served) -> Served:
    served.set_maintenance(True)
    return served


def test_maintenance_off_serves_the_app(off: Served) -> None:
    response = off.running.get("/")

    assert response.status_code == 200


def test_maintenance_on_answers_503_with_retry_after(on: Served) -> None:
    response = on.running.get("/")

    assert response.status_code == 503
    assert response.headers["retry-after"] == str(DEFAULT_RETRY_AFTER)


def test_health_route_stays_up_during_maintenance(on: Served) -> None:
    assert on.running.get("/health").status_code == 200


def test_unknown_path_is_404_with_a_route_table_else_503(on: Served, cell: Cell) -> None:
    """Without a Starlette route table the middleware cannot tell a 404 from a route: it blocks."""
    expected = 404 if cell.framework.route_table else 503

    assert on.running.get("/no/such/page").status_code == expected


def test_lifespan_startup_ran_before_the_first_request(off: Served, cell: Cell) -> None:
    """Servers that speak the lifespan protocol start the app (and the backend) first."""
    response = off.running.get("/")

    assert response.json() == {"started": cell.server.lifespan}
