"""Small drivers with one trait each, registered in-process to exercise the command line."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from fastapi_maintenance import BaseStateBackend


class JournalBackend(BaseStateBackend):
    """Keeps its state in memory and notes every lifecycle call in a journal shared by the class."""

    journal: ClassVar[list[str]] = []
    stored: ClassVar[bool] = False

    async def start(self) -> None:
        self.journal.append("start")

    async def aclose(self) -> None:
        self.journal.append("aclose")

    async def get_value(self) -> bool:
        self.journal.append("get")
        return type(self).stored

    async def set_value(self, value: bool) -> None:
        self.journal.append("set")
        type(self).stored = value


class SilentBackend(BaseStateBackend):
    """A store that never answers, like a server behind a dropped connection."""

    async def get_value(self) -> bool:
        await asyncio.sleep(3600)
        return False

    async def set_value(self, value: bool) -> None:
        await asyncio.sleep(3600)


class StuckOffBackend(BaseStateBackend):
    """Accepts writes without error but always reads off."""

    async def get_value(self) -> bool:
        return False

    async def set_value(self, value: bool) -> None:
        return None
