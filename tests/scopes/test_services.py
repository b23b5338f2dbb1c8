"""Two services, billing and shop, in two uvicorn processes on one store (a Redis key, or a
state file): a scope naming a service blocks that service only; a scope naming none, and
the global switch, block both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..servers._processes import Running
from .conftest import Fleet, MakeFleet, holds, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(params=["redis", "file"])
def services(request: pytest.FixtureRequest, make_fleet: MakeFleet) -> Iterator[Fleet]:
    """billing and shop served on one store, both up; everything ended after the test."""
    backend_url = request.getfixturevalue(f"{request.param}_backend_url")
    fleet = make_fleet(backend_url)
    fleet.launch("billing")
    fleet.launch("shop")
    wait_for(fleet.running, [200, 200])
    yield fleet
    fleet.cli("off")


def test_a_scope_for_one_service_blocks_that_service_only(services: Fleet) -> None:
    billing, shop = services.running
    services.cli("on", "--scope", "billing-down", "--service", "billing")

    wait_for([billing], [503])
    holds([billing, shop], [503, 200])
    assert billing.get("/").json()["maintenance"]["scope"] == "billing-down"


def test_a_scope_without_a_service_selector_blocks_every_service(services: Fleet) -> None:
    services.cli("on", "--scope", "everything", "--path", "/*")

    wait_for(services.running, [503, 503])
    assert all(_scope_of(server) == "everything" for server in services.running)


def test_the_global_switch_blocks_every_service(services: Fleet) -> None:
    services.cli("on")

    wait_for(services.running, [503, 503])
    holds(services.running, [503, 503])


def test_ending_the_service_scope_brings_that_service_back(services: Fleet) -> None:
    services.cli("on", "--scope", "billing-down", "--service", "billing")
    wait_for(services.running, [503, 200])

    services.cli("off", "--scope", "billing-down")

    wait_for(services.running, [200, 200])


def test_a_service_named_by_the_variable_is_selected_like_one_named_in_code(
    services: Fleet,
) -> None:
    by_variable = services.launch("unnamed", FASTAPI_MAINTENANCE_SERVICE="billing")
    services.cli("on", "--scope", "billing-down", "--service", "billing")

    wait_for([by_variable], [503])
    holds(services.running, [503, 200, 503])


def _scope_of(server: Running) -> object:
    body = server.get("/").json()
    return body.get("maintenance", {}).get("scope")
