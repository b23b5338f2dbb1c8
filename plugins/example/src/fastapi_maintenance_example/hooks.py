"""The plugin's hooks: registering names from code, here one more name for the same driver."""

from __future__ import annotations

from collections.abc import Callable

from fastapi_maintenance import BaseStateBackend, hookimpl

from .memory import MemoryBackend


@hookimpl
def register_backends(register: Callable[[str, type[BaseStateBackend]], None]) -> None:
    """Offer the driver under a second name too, so ``example-mem://NAME`` works."""
    register("example-mem", MemoryBackend)
