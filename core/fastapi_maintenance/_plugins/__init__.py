"""Drivers and plugins: from a driver's name to its class, and from a spec to a backend.

The registry of driver names, the parsing and checking of specs, and the pluggy plugin
manager that loads plugins and fires the hooks ``fastapi_maintenance.hookspecs`` declares.
"""
