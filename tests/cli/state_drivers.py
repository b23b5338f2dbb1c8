"""Drivers kept in a file that the installed command finds through an entry point.

``details`` stores the whole state as :meth:`MaintenanceState.to_text`; ``onoff`` is a
driver written for fastapi-maintenance 0.0.5, storing on and off only.
"""

from __future__ import annotations

from pathlib import Path

from fastapi_maintenance import BaseStateBackend, MaintenanceState


class OnOffFileBackend(BaseStateBackend):
    """Two methods, ``1`` or ``0`` in a file: what a 0.0.5 driver can keep."""

    def __init__(self, file_path: str) -> None:
        self.path = Path(file_path)

    async def get_value(self) -> bool:
        return self.path.exists() and self.path.read_text(encoding="utf-8") == "1"

    async def set_value(self, value: bool) -> None:
        self.path.write_text("1" if value else "0", encoding="utf-8")

    def describe(self) -> str:
        return f"onoff: {self.path}"


class DetailsFileBackend(OnOffFileBackend):
    """Keeps the whole state (message, window, read-only, who and when) in its file."""

    stores_details = True

    async def get_state(self) -> MaintenanceState:
        if not self.path.exists():
            return MaintenanceState()
        return MaintenanceState.from_text(self.path.read_text(encoding="utf-8"))

    async def set_state(self, state: MaintenanceState) -> None:
        self.path.write_text(state.to_text(), encoding="utf-8")

    async def get_value(self) -> bool:
        return (await self.get_state()).is_active()

    def describe(self) -> str:
        return f"details: {self.path}"
