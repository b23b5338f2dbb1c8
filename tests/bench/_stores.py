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
from typing import ClassVar

from fastapi_maintenance import BaseStateBackend, MaintenanceError
from fastapi_maintenance.backends import available_backends, create_backend, get_backend_class

REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


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

    async def switch(self, on: bool) -> None:
        """Store ``on`` through the driver itself, as an operator would."""
        spec = self.spec()
        backend = spec if isinstance(spec, BaseStateBackend) else create_backend(spec)
        await backend.set_value(on)
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
        self.key = _unique("fastapi-maintenance-bench:")

    def spec(self) -> str:
        return f"{REDIS_URL}?key={self.key}"

    def close(self) -> None:
        import redis

        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=2)
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


class _AwaitOnlyBackend(BaseStateBackend):
    """A two-method driver as written for 0.0.5: no ``cached_value``, so every request awaits."""

    def __init__(self) -> None:
        self.value = False

    async def get_value(self) -> bool:
        return self.value

    async def set_value(self, value: bool) -> None:
        self.value = value


class AwaitOnlyStore(Store):
    driver = "custom (await)"
    by_url = False

    def __init__(self) -> None:
        self.backend = _AwaitOnlyBackend()

    def spec(self) -> BaseStateBackend:
        return self.backend


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
