"""Where each benchmarked driver keeps its state: a private store per variant, removed after.

Every variant gets its own variable, file or key, so variants measured side by side never
see each other's state.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import tempfile
import uuid
from abc import ABC, abstractmethod
from datetime import datetime, timedelta, timezone
from typing import ClassVar
from urllib.parse import urlsplit

from fastapi_maintenance import BaseStateBackend, MaintenanceError, MaintenanceState
from fastapi_maintenance.backends import available_backends, create_backend, get_backend_class

from ..redis_settings import KEY_PREFIX, redis_url

#: The Redis server the benchmark uses: ``$REDIS_URL`` if set, as for the tests.
REDIS_URL = redis_url()
REDIS_HOST = urlsplit(REDIS_URL).hostname or "127.0.0.1"
REDIS_PORT = urlsplit(REDIS_URL).port or 6379


def _unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


class Store(ABC):
    """One driver's state for one variant: the backend to hand the middleware, and a switch."""

    driver: ClassVar[str]
    #: The store can be named by a URL, so a server in another process can use it.
    by_url: ClassVar[bool] = True

    @abstractmethod
    def spec(self) -> BaseStateBackend | str:
        """The middleware's ``backend`` argument: a URL, or an instance for in-process use."""

    def server_spec(self) -> str:
        """What names this store to a benchmark server in another process."""
        return str(self.spec())

    async def switch(self, on: bool) -> None:
        """Store ``on`` through the driver itself, as an operator would."""
        spec = self.spec()
        backend = spec if isinstance(spec, BaseStateBackend) else create_backend(spec)
        await backend.set_value(on)
        if backend is not spec:
            await backend.aclose()

    async def put(self, state: MaintenanceState) -> None:
        """Store a whole state (scopes included) through the driver, as an operator would."""
        spec = self.spec()
        backend = spec if isinstance(spec, BaseStateBackend) else create_backend(spec)
        await backend.set_state(state)
        if backend is not spec:
            await backend.aclose()

    def close(self) -> None:  # noqa: B027 - most stores have nothing to remove
        """Remove the state this store created."""

    @staticmethod
    def unavailable() -> str | None:
        """Why this driver cannot be benchmarked here, or ``None`` if it can."""
        return None


class EnvStore(Store):
    driver = "env"

    def __init__(self) -> None:
        self.var_name = _unique("FASTAPI_MAINTENANCE_BENCH_")

    def spec(self) -> str:
        return f"env://{self.var_name}"

    async def switch(self, on: bool) -> None:
        # Read-only driver: the variable is set before the app (or server process) starts.
        os.environ[self.var_name] = "1" if on else "0"

    def close(self) -> None:
        os.environ.pop(self.var_name, None)


class FileStore(Store):
    driver = "file"

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="fastapi-maintenance-bench-")
        self.path = os.path.join(self.folder, "maintenance")

    def spec(self) -> str:
        return f"file://{self.path}"

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class RedisStore(Store):
    driver = "redis"

    def __init__(self) -> None:
        self.key = _unique(f"{KEY_PREFIX}bench:")

    def spec(self) -> str:
        return f"{REDIS_URL}?key={self.key}"

    def close(self) -> None:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
        try:
            client.delete(self.key, f"{self.key}:version")
        finally:
            client.close()

    @staticmethod
    def unavailable() -> str | None:
        if importlib.util.find_spec("fastapi_maintenance_redis") is None:
            return "the fastapi_maintenance_redis plugin is not installed"
        if not redis_answers():
            return f"no Redis answers PING on {REDIS_HOST}:{REDIS_PORT}"
        return None


class MemoryStore(Store):
    """The core's in-process ``memory`` driver: a private store name per variant."""

    driver = "memory"

    def __init__(self) -> None:
        self.name = _unique("bench")

    def spec(self) -> str:
        return f"memory://{self.name}"


class TwoMethodBackend(BaseStateBackend):
    """A driver as the docs teach one and as 0.0.5 had them: ``get_value`` and ``set_value``
    only, the state in memory, nothing awaited (so no ``cached_value``)."""

    def __init__(self) -> None:
        self.value = False

    async def get_value(self) -> bool:
        return self.value

    async def set_value(self, value: bool) -> None:
        self.value = value


class TwoMethodStore(Store):
    """In-process, its own instance; a server builds one of its own, off."""

    driver = "two-method"

    def __init__(self) -> None:
        self.backend = TwoMethodBackend()

    def spec(self) -> BaseStateBackend:
        return self.backend

    def server_spec(self) -> str:
        return "bench:two-method"


class FullStateBackend(BaseStateBackend):
    """A driver that stores the whole state (``stores_details``), kept in memory and served by
    ``cached_state()``, as the file and Redis drivers serve theirs."""

    stores_details = True

    def __init__(self) -> None:
        self.state = MaintenanceState()

    async def get_value(self) -> bool:
        return self.state.is_active()

    async def set_value(self, value: bool) -> None:
        self.state = MaintenanceState(on=value)

    async def get_state(self) -> MaintenanceState:
        return self.state

    async def set_state(self, state: MaintenanceState) -> None:
        self.state = state

    def cached_state(self) -> MaintenanceState:
        return self.state


class FullStateStore(Store):
    """In-process only; switched on with a message and a window that ends in a day."""

    driver = "full-state"
    by_url = False

    def __init__(self) -> None:
        self.backend = FullStateBackend()

    def spec(self) -> BaseStateBackend:
        return self.backend

    async def switch(self, on: bool) -> None:
        self.backend.state = (
            MaintenanceState(
                on=True,
                message="Database upgrade, back tomorrow",
                ends_at=datetime.now(timezone.utc) + timedelta(days=1),
            )
            if on
            else MaintenanceState()
        )


#: Drivers this suite knows how to give a private store, with a check of what they need.
_STORES: dict[str, type[Store]] = {
    store.driver: store for store in (EnvStore, FileStore, RedisStore, MemoryStore)
}


def redis_answers(timeout: float = 1.0) -> bool:
    """Whether a Redis server on the benchmark address answers ``PING``."""
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=timeout) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def driver_stores() -> tuple[list[type[Store]], dict[str, str]]:
    """The stores of every installed driver that can run here, and why the others cannot.

    A driver installed under several names (``redis``, ``rediss``, ``unix``) counts once.
    """
    stores: list[type[Store]] = []
    skipped: dict[str, str] = {}
    seen: set[type[BaseStateBackend]] = set()
    for name in ["env", "file", *available_backends()]:
        try:
            driver = get_backend_class(name)
        except MaintenanceError as exc:
            skipped[name] = str(exc)
            continue
        if driver in seen:
            continue
        seen.add(driver)
        store = _STORES.get(name)
        reason = "no benchmark store is defined for it" if store is None else store.unavailable()
        if reason is None and store is not None:
            stores.append(store)
        else:
            skipped[name] = str(reason)
    if RedisStore not in stores and "redis" not in skipped:
        skipped["redis"] = RedisStore.unavailable() or "the redis driver is not registered"
    return stores, skipped
