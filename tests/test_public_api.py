"""The names each public module exports: an import that works today keeps working.

A name leaving one of these lists breaks someone's import; one joining it is new public
surface. Either is a decision, so each list is written out here.
"""

from __future__ import annotations

import importlib

import pytest

PUBLIC = {
    "fastapi_maintenance": {
        "BackendConfigError",
        "BackendLoadError",
        "BackendNotFoundError",
        "BackendOptionsError",
        "BackendUnavailableError",
        "BaseStateBackend",
        "InvalidStateError",
        "MaintenanceError",
        "MaintenanceModeMiddleware",
        "MaintenancePage",
        "MaintenanceScope",
        "MaintenanceState",
        "UnsupportedStateError",
        "admin_router",
        "allow_in_read_only",
        "configure_backend",
        "end_maintenance_scope",
        "force_maintenance_mode_off",
        "force_maintenance_mode_on",
        "get_maintenance_mode",
        "get_maintenance_state",
        "hookimpl",
        "maintenance_mode_on",
        "maintenance_response",
        "override_maintenance_mode",
        "reset_state",
        "set_maintenance_mode",
        "set_maintenance_scope",
        "set_maintenance_state",
    },
    "fastapi_maintenance.backends": {
        "BackendInfo",
        "BackendNameConflictWarning",
        "BaseStateBackend",
        "ENTRY_POINT_GROUP",
        "EnvVarBackend",
        "LocalFileBackend",
        "MAINTENANCE_MODE_ENV_VAR_NAME",
        "MAX_DETAILS_BYTES",
        "MAX_TEXT_BYTES",
        "MemoryBackend",
        "PLUGIN_ENTRY_POINT_GROUP",
        "available_backends",
        "backend_info",
        "create_backend",
        "format_state_text",
        "get_backend_class",
        "parse_state_text",
        "redact_spec",
        "register_backend",
        "register_plugin",
        "unregister_backend",
    },
    "fastapi_maintenance.decorators": {
        "ALLOW_IN_READ_ONLY_ATTR",
        "FORCE_MAINTENANCE_MODE_OFF_ATTR",
        "FORCE_MAINTENANCE_MODE_ON_ATTR",
        "allow_in_read_only",
        "force_maintenance_mode_off",
        "force_maintenance_mode_on",
    },
    "fastapi_maintenance.responses": {
        "DEFAULT_DETAIL",
        "DEFAULT_RETRY_AFTER",
        "MAINTENANCE_RESPONSES",
        "STATE_SCOPE_KEY",
        "TEMPLATE_VARIABLES",
        "MaintenanceBody",
        "MaintenanceDetails",
        "MaintenancePage",
        "bypass_link_script",
        "maintenance_response",
        "retry_after_for",
        "wants_html",
    },
    "fastapi_maintenance.middleware": {"MaintenanceModeMiddleware"},
    "fastapi_maintenance.hookspecs": {
        "PROJECT_NAME",
        "hookimpl",
        "hookspec",
        "maintenance_mode_changed",
        "maintenance_request_blocked",
        "register_backends",
    },
    "fastapi_maintenance.admin": {"DEFAULT_UPDATED_BY", "admin_router"},
    "fastapi_maintenance.testing": {"BackendContract"},
    "fastapi_maintenance.remote": {
        "Backoff",
        "FIRST_DELAY",
        "HINT_INTERVAL",
        "HintedReads",
        "MAX_SHOWN",
        "Outage",
        "RemoteBackend",
        "StateCache",
        "Throttled",
        "bounded",
        "describe_error",
        "option_flag",
        "option_text",
        "printable",
    },
}

#: The command-line module of 0.0.5 had no ``__all__``; these are the names code imported.
CLI_NAMES = ("app", "main", "version_callback")


@pytest.mark.parametrize("module_name", sorted(PUBLIC))
def test_a_public_module_exports_exactly_its_names(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert set(module.__all__) == PUBLIC[module_name]


@pytest.mark.parametrize("module_name", sorted(PUBLIC))
def test_every_exported_name_can_be_imported(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


@pytest.mark.parametrize("name", CLI_NAMES)
def test_the_command_line_module_keeps_the_names_of_0_0_5(name: str) -> None:
    cli = importlib.import_module("fastapi_maintenance.cli")
    assert callable(getattr(cli, name))
