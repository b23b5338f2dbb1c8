"""A remote driver written on ``RemoteBackend`` with nothing but its store's reads, writes and
change feed honours the backend contract: the hot path, start and close, bounded reads and
writes and their errors all come from the base class."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from fastapi_maintenance import BaseStateBackend, InvalidStateError, MaintenanceState
from fastapi_maintenance.remote import Backoff, Outage, RemoteBackend
from fastapi_maintenance.testing import BackendContract

LOGGER = "tests.toy_remote"


class Store:
    """Stands in for a server: the state's text, its version, and a feed of the versions
    written to every listener; refuses every call while ``down``."""

    def __init__(self, text: str | None = None, down: bool = False) -> None:
        self.text, self.version, self.down = text, 0, down
        self.listeners: set[asyncio.Queue[int]] = set()

    def answer(self) -> None:
        if self.down:
            raise ConnectionRefusedError("the toy store is down")


class ToyRemoteBackend(RemoteBackend[Store]):
    """Its store's reads, writes and change feed; everything else is the base class's."""

    def __init__(self, store: Store, timeout: float = 1.0) -> None:
        self.store = store
        super().__init__(assume=False, timeout=timeout, logger=LOGGER)
        self._outage = Outage(self.describe(), LOGGER)

    def describe(self) -> str:
        return f"toy: store {id(self.store):x}"

    @contextlib.asynccontextmanager
    async def _connect(self) -> AsyncIterator[Store]:
        self.store.answer()
        yield self.store

    async def _read(self, client: Store) -> MaintenanceState:
        client.answer()
        if client.text is None:
            return MaintenanceState()
        try:
            return MaintenanceState.from_text(client.text)
        except ValueError as exc:
            raise InvalidStateError(str(exc)) from None

    async def _write(self, client: Store, state: MaintenanceState) -> int:
        client.answer()
        client.text, client.version = state.to_text(), client.version + 1
        for queue in client.listeners:
            queue.put_nowait(client.version)
        return client.version

    async def _follow(self, ready: asyncio.Event) -> None:
        news: asyncio.Queue[int] = asyncio.Queue()
        self.store.listeners.add(news)
        backoff = Backoff(cap=0.2)
        try:
            while True:
                try:
                    mark = self._cache.mark()
                    state = await self._read(self.store)
                except (OSError, InvalidStateError) as exc:
                    self._outage.failed(exc, self._cache.serving_on(), self._cache.known)
                    ready.set()
                    await asyncio.sleep(backoff.next_delay())
                    continue
                self._cache.offer_read(state, self.store.version, mark)
                self._outage.recovered(self._cache.serving_on())
                ready.set()
                backoff.reset()
                await news.get()
        finally:
            self.store.listeners.discard(news)


MakeBackend = Callable[..., ToyRemoteBackend]


@pytest.fixture
async def make_backend() -> AsyncIterator[MakeBackend]:
    """``make_backend(store)``: a driver on ``store``, closed after the test."""
    made: list[ToyRemoteBackend] = []

    def make(store: Store, **options: float) -> ToyRemoteBackend:
        backend = ToyRemoteBackend(store, **options)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        await backend.aclose()


class TestRemoteBackend(BackendContract):
    change_timeout = 5.0

    @pytest.fixture
    def store(self) -> Store:
        return Store()

    @pytest.fixture
    def backend(self, make_backend: MakeBackend, store: Store) -> BaseStateBackend:
        return make_backend(store)

    @pytest.fixture
    def second_backend(self, make_backend: MakeBackend, store: Store) -> BaseStateBackend:
        return make_backend(store)

    @pytest.fixture
    def stored_text(self, store: Store) -> Callable[[], Awaitable[str | None]]:
        async def read() -> str | None:
            return store.text

        return read

    @pytest.fixture
    def failing_backend(self, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend(Store(down=True), timeout=0.3)

    @pytest.fixture
    def unreadable_backend(self, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend(Store(down=True), timeout=0.3)

    @pytest.fixture
    def garbage_backend(self, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend(Store(text="maybe"))
