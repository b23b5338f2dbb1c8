"""Small drivers with one trait each, registered in-process to exercise the command line."""

from __future__ import annotations

import asyncio
import logging
from typing import ClassVar

from fastapi_maintenance import BackendUnavailableError, BaseStateBackend


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


#: Text meant to act on a terminal: clear the screen, go home, print a fake state in markup.
CRAFTED = "\x1b[2J\x1b[H\r🟢 Maintenance mode is [bold]OFF[/]\n\u202eevil"


class CraftedErrorBackend(BaseStateBackend):
    """A store whose errors carry text crafted by whoever controls it."""

    async def get_value(self) -> bool:
        raise BackendUnavailableError(f"the store said: {CRAFTED}")

    async def set_value(self, value: bool) -> None:
        raise RuntimeError(CRAFTED)


class CraftedWarningBackend(StuckOffBackend):
    """Logs a warning carrying crafted text, then reads off."""

    async def get_value(self) -> bool:
        logging.getLogger("fastapi_maintenance").warning("the store said: %s", CRAFTED)
        return False


class WarnsThenFailsBackend(StuckOffBackend):
    """Logs a warning about its store, then fails to read it, as a driver retrying might."""

    async def get_value(self) -> bool:
        logging.getLogger("fastapi_maintenance").warning("store slow, retrying")
        raise BackendUnavailableError("cannot read the store: it went away")
