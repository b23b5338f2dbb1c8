"""Exceptions raised by fastapi-maintenance."""

from __future__ import annotations


class MaintenanceError(Exception):
    """Base class of every error this package raises on purpose."""


class BackendNotFoundError(MaintenanceError, ValueError):
    """No driver is registered under the requested name or URL scheme."""


class BackendLoadError(MaintenanceError, ImportError):
    """A driver's plugin could not be imported or does not provide a backend class."""


class BackendConfigError(MaintenanceError, ValueError):
    """A backend spec, URL or option is malformed or not accepted by its driver."""


class BackendOptionsError(BackendConfigError, TypeError):
    """A backend was asked for in a form its call does not take: options the driver does not
    accept or lacks, or something that is neither a backend nor a driver name or URL.

    A ``TypeError`` too, as calling the driver with those arguments would have raised one.
    """


class BackendUnavailableError(MaintenanceError, ConnectionError):
    """The backend's store could not be reached, so a write could not be made."""


class InvalidStateError(MaintenanceError, ValueError):
    """The store holds something that is not a maintenance state (garbage, or too large).

    Raised by one-shot reads (``get_value``); requests keep the last known state instead.
    """


class UnsupportedStateError(MaintenanceError, ValueError):
    """The driver cannot store what was asked of it (a message, a window, read-only)."""
