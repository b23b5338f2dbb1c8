"""The conformance test kit for state drivers: ``BackendContract``.

Subclass ``BackendContract`` in a test module, override its ``backend`` fixture, and
pytest runs every promise a driver makes against yours. This package needs pytest and is
meant for test code only; importing ``fastapi_maintenance`` never imports it.
"""

import pytest

# Plain ``assert`` in the kit then reports values, as it would in the driver's own tests.
pytest.register_assert_rewrite("fastapi_maintenance.testing._contract")

from ._contract import BackendContract  # noqa: E402 - after the rewrite hook is registered

__all__ = ["BackendContract"]
