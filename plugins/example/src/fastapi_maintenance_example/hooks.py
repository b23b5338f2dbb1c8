"""The plugin's hooks: registering names from code, here one more name for the same driver."""

from __future__ import annotations

from collections.abc import Callable

from fastapi_maintenance import BaseStateBackend, hookimpl

from .memory import MemoryBackend


@hookimpl
def register_backends(register: Callable[[str, type[BaseStateBackend]], None]) -> None:
    """Offer the memory driver under the short name ``mem`` too, so ``mem://NAME`` works."""
    register("mem", MemoryBackend)
