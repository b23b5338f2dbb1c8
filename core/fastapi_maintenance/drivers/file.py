"""The ``file`` driver: the maintenance state kept in a file shared by every local process."""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
import time
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

import anyio

from .._model.backend import BaseStateBackend
from .._model.errors import (
    BackendConfigError,
    BackendUnavailableError,
    InvalidStateError,
    MaintenanceError,
)
from .._model.model import ACCEPTED_TEXT, MAX_TEXT_BYTES, OFF, MaintenanceState, state_of
from .._model.values import FALSY, TRUTHY, parse_bool

logger = logging.getLogger("fastapi_maintenance")

#: How long a cached state is trusted before the file is looked at again.
DEFAULT_CHECK_INTERVAL = 0.5
#: A state file is at most a small JSON document; anything longer is not ours.
MAX_STATE_BYTES = MAX_TEXT_BYTES
#: The mode of a new state file, and of one whose old mode let nobody read it.
DEFAULT_MODE = 0o644

#: Files modified less than this long before they were read are read again (2 s, as FAT).
_RACY_NS = 2_000_000_000
#: Opening never waits (a FIFO swapped in at the path) nor takes a terminal; the opened
#: file, not the path, is then checked to be a regular file.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_ACCEPTED = (
    f"expected one of {', '.join(sorted(TRUTHY))} (on) or "
    f"{', '.join(sorted(FALSY))} or nothing (off)"
)
_OPTIONS = "check_interval, assume"

_Signature = tuple[int, int, int, int]


@dataclass(frozen=True)
class _Reading:
    """What one look at the file found: a state, nothing yet (empty), or a failure."""

    state: MaintenanceState | None
    failure: type[MaintenanceError] | None = None
    problem: str = ""


_MISSING = _Reading(OFF)
_EMPTY = _Reading(None)


class LocalFileBackend(BaseStateBackend):
    """The state is the content of ``file_path``: ``1`` or ``0`` (any spelling ``env``
    accepts) for on or off, or a small JSON document for a state with a message, a window
    or read-only (``MaintenanceState.to_text``).

    A missing file reads as off. Writes are atomic: a temporary file in the same folder
    is renamed over the old one, so a reader never sees a torn or empty file. Every
    process sees a change within ``check_interval`` seconds: requests are answered from
    memory and the file is only ``stat``-ed once per interval, and read only when it changed.
    For requests, a file that cannot be read or holds garbage is logged once and the last
    known state is kept (``assume`` until a state was read); so is an empty file, which
    another writer is still writing. A one-shot ``get_value`` raises instead.
    """

    stores_details: ClassVar[bool] = True

    def __init__(
        self,
        file_path: str | os.PathLike[str],
        check_interval: float = DEFAULT_CHECK_INTERVAL,
        assume: bool | str = False,
    ) -> None:
        try:
            path = os.fspath(file_path)
        except TypeError:
            path = ""
        if not path:
            raise BackendConfigError(f"the file backend needs a file_path, got {file_path!r}")
        if "\0" in path:
            # The OS refuses such a path on every call; say so once, when it is given.
            raise BackendConfigError(f"file_path {path!r} contains a NUL character")
        if path.endswith(("/", os.sep)):
            raise BackendConfigError(
                f"file_path {path!r} names a folder; name the state file in it"
            )
        try:
            interval = float(check_interval)
        except (TypeError, ValueError):
            interval = -1.0
        if not interval >= 0:
            raise BackendConfigError(
                f"check_interval must be a number of seconds >= 0, got {check_interval!r}"
            )
        self.file_path = path
        self.check_interval = interval
        #: The state served until one was read from the file.
        self.assume = _assumed(assume)
        #: What requests are answered: the last state read, else ``assume``.
        self._state = state_of(self.assume)
        #: ``_state.on`` while no window bounds it, else ``None``: spares the clock.
        self._untimed: bool | None = self.assume
        self._known = False
        self._signature: _Signature | None = None
        #: What the last read of the file at ``_signature`` found.
        self._last = _MISSING
        #: The file changed so recently that a rewrite could keep its signature.
        self._racy = False
        self._checked_at = float("-inf")
        self._problem: str | None = None

    @classmethod
    def from_url(cls, url: str, **options: Any) -> LocalFileBackend:
        """``file:///abs/path`` or ``file://relative/path``; ``?check_interval=`` and
        ``?assume=`` optional."""
        parts = urlsplit(url)
        host = "" if parts.netloc == "localhost" else parts.netloc
        path = unquote(host + parts.path)
        if not path:
            raise BackendConfigError(
                f"a file URL needs a path, as file:///var/run/maintenance; got {url!r}"
            )
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        unknown = set(query) - {"check_interval", "assume"}
        if unknown:
            raise BackendConfigError(
                f"unknown option(s) {', '.join(sorted(unknown))} in {url!r}; accepted: {_OPTIONS}"
            )
        try:
            return cls(path, **{**query, **options})
        except TypeError as exc:
            raise BackendConfigError(
                f"bad options for {url!r}: {exc}; accepted: {_OPTIONS}"
            ) from exc

    # reading -------------------------------------------------------------------------

    def cached_state(self) -> MaintenanceState:
        """The state requests are answered, the same object until the file changes."""
        now = time.monotonic()
        if now - self._checked_at >= self.check_interval:
            self._refresh(now)
        return self._state

    def cached_value(self) -> bool:
        """Whether the cached state is active now (a window counts)."""
        now = time.monotonic()
        if now - self._checked_at >= self.check_interval:
            self._refresh(now)
        untimed = self._untimed
        return self._state.active_at(time.time()) if untimed is None else untimed

    async def get_state(self) -> MaintenanceState:
        """The state in the file now; raises if the file holds none.

        ``InvalidStateError`` for content that is not a state, ``BackendUnavailableError``
        for a file that cannot be read or is not a regular file. An empty file is off.
        """
        # The caller gets the error: logging it too would say it twice.
        reading = self._refresh(time.monotonic(), log=False)
        if reading.failure is not None:
            raise reading.failure(reading.problem)
        return reading.state or OFF

    async def get_value(self) -> bool:
        """Whether the state in the file is active now; raises as ``get_state`` does."""
        return (await self.get_state()).is_active()

    def _refresh(self, now: float, log: bool = True) -> _Reading:
        """``stat`` the path and read the file if it changed since the last read; update
        what requests are answered, and say what was found (logging a problem once)."""
        self._checked_at = now
        try:
            st = os.stat(self.file_path)
        except OSError as exc:
            self._signature = None
            if isinstance(exc, FileNotFoundError):
                reading = _MISSING
            else:
                reading = self._unavailable(f"cannot stat {self.file_path}: {exc.strerror or exc}")
        else:
            signature = (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
            if signature == self._signature and not self._racy:
                reading = self._last
                if log and reading.failure is not None and reading.problem != self._problem:
                    self._trouble(reading.problem)  # first seen by a one-shot read
                return reading
            self._signature = None
            if stat.S_ISREG(st.st_mode):
                reading = self._read()  # which sets the signature of what it read
            else:
                # Spares opening a device or a folder; an opened file is checked again.
                reading = self._unavailable(f"{self.file_path} is not a regular file")
        self._last = reading
        if reading.failure is not None:
            if log:
                self._trouble(reading.problem)
        elif reading.state is not None:
            self._accept(reading.state)
        return reading

    def _read(self) -> _Reading:
        """Open without blocking, then decide on the opened file alone, never on the path."""
        try:
            fd = os.open(self.file_path, _OPEN_FLAGS)
        except FileNotFoundError:
            return _MISSING
        except OSError as exc:
            return self._unavailable(f"cannot read {self.file_path}: {exc.strerror or exc}")
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return self._unavailable(f"{self.file_path} is not a regular file")
            raw = os.read(fd, MAX_STATE_BYTES + 1)
        except OSError as exc:
            return self._unavailable(f"cannot read {self.file_path}: {exc.strerror or exc}")
        finally:
            os.close(fd)
        self._signature = _signature(st)
        # Timestamps are coarse: a same-size rewrite in the same tick keeps the signature,
        # so a file changed shortly before this read is read again next time.
        self._racy = time.time_ns() - st.st_mtime_ns < _RACY_NS
        if len(raw) > MAX_STATE_BYTES or st.st_size > MAX_STATE_BYTES:
            return self._invalid(f"{max(st.st_size, len(raw))} bytes, more than {MAX_STATE_BYTES}")
        if not raw:
            # Someone else's writer truncated the file and has not written yet.
            return _EMPTY
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return self._invalid(f"{len(raw)} bytes, not UTF-8 text; expected {ACCEPTED_TEXT}")
        try:
            return _Reading(MaintenanceState.from_text(text))
        except ValueError as exc:
            # The model's reason never quotes the content: the path may lead to a file
            # that is not ours to show.
            return self._invalid(f"{len(raw)} bytes; {exc}")

    def _unavailable(self, problem: str) -> _Reading:
        return _Reading(None, BackendUnavailableError, problem)

    def _invalid(self, why: str) -> _Reading:
        return _Reading(None, InvalidStateError, f"{self.file_path} holds no valid state ({why})")

    def _accept(self, state: MaintenanceState) -> None:
        if self._problem is not None:
            logger.warning("maintenance state file %s is readable again", self.file_path)
            self._problem = None
        if state != self._state:
            self._state = state
            self._untimed = None if state.timed else state.on
        self._known = True

    def _trouble(self, problem: str) -> None:
        if problem != self._problem:
            self._problem = problem
            kept = "the last known state" if self._known else "the assumed state"
            logger.error("%s; keeping %s (%s)", problem, kept, "on" if self._state.on else "off")

    # writing -------------------------------------------------------------------------

    async def set_value(self, value: bool) -> None:
        """Write a plain ``1`` or ``0``, as fastapi-maintenance 0.0.5 did."""
        await self.set_state(state_of(bool(value)))

    async def set_state(self, state: MaintenanceState) -> None:
        """Write ``MaintenanceState.to_text`` atomically: plain ``1``/``0`` when the
        state is only on or off, else a JSON document."""
        await anyio.to_thread.run_sync(self._write, state.to_text())
        self._refresh(time.monotonic())

    def _write(self, text: str) -> None:
        path = os.path.abspath(self.file_path)
        folder = os.path.dirname(path)
        try:
            fd, tmp = tempfile.mkstemp(
                prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder
            )
        except OSError as exc:
            cause = exc.strerror or str(exc)
            if isinstance(exc, FileNotFoundError) and not os.path.isdir(folder):
                cause += f" (folder {folder} does not exist; the driver creates only the file)"
            raise BackendUnavailableError(
                f"cannot write maintenance state to {self.file_path}: {cause}"
            ) from exc
        try:
            with os.fdopen(fd, "wb") as f:
                os.fchmod(f.fileno(), _new_mode(path))
                f.write(text.encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise BackendUnavailableError(
                f"cannot write maintenance state to {self.file_path}: {exc.strerror or exc}"
            ) from exc
        _fsync_folder(folder)

    def describe(self) -> str:
        return f"file: {self.file_path}"


def _new_mode(path: str) -> int:
    """The mode of the file that replaces ``path``, one policy for every write.

    The read and write bits of the regular file at ``path`` (looked at through ``lstat``,
    so a symlink lends no mode) are kept, less world-write, execute and the setuid, setgid
    and sticky bits; a new file, or one that nobody could read, gets ``DEFAULT_MODE``.
    """
    try:
        st = os.lstat(path)
    except OSError:
        return DEFAULT_MODE
    mode = stat.S_IMODE(st.st_mode) & 0o664
    if not stat.S_ISREG(st.st_mode) or not mode & 0o444:
        return DEFAULT_MODE
    if st.st_uid != _euid() and not mode & 0o044:
        logger.warning(
            "maintenance state file %s belonged to uid %d and only its owner could read it; "
            "the new file belongs to uid %d, so processes running as uid %d may no longer "
            "read it: give the group or others read permission, or write as that user",
            path,
            st.st_uid,
            _euid(),
            st.st_uid,
        )
    return mode


def _assumed(assume: object) -> bool:
    """``assume`` as a state: a bool, or text read like the state file's content."""
    if isinstance(assume, bool):
        return assume
    if isinstance(assume, str):
        with contextlib.suppress(ValueError):
            return parse_bool(assume)
    raise BackendConfigError(
        f"assume must be on or off, as a bool or text ({_ACCEPTED}); got {assume!r}"
    )


def _signature(st: os.stat_result) -> _Signature:
    """What changes when the file is replaced or rewritten, as far as ``stat`` can tell."""
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def _euid() -> int:
    return os.geteuid() if hasattr(os, "geteuid") else -1


def _fsync_folder(folder: str) -> None:
    """Make the rename durable; some platforms cannot open a folder, which is harmless."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
