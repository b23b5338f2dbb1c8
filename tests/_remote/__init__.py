"""Test scaffolding shared by the tests of the remote drivers (``tests/redis``, ``tests/sql``):
bounded waits, pytest checks, apps, server processes, proxies and fleets of app processes."""
