"""The ``file`` driver: maintenance mode kept in a file shared by every local process."""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
import time
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import anyio

from .._backend import BaseStateBackend
from .._errors import BackendConfigError, BackendUnavailableError
from .._values import format_bool, parse_bool

logger = logging.getLogger("fastapi_maintenance")

#: How long a cached state is trusted before the file is looked at again.
DEFAULT_CHECK_INTERVAL = 0.5
#: A state file is a few bytes; anything longer is not ours.
MAX_STATE_BYTES = 64

#: Files modified less than this long before they were read are read again (2 s, as FAT).
_RACY_NS = 2_000_000_000

_Signature = tuple[int, int, int, int]


class LocalFileBackend(BaseStateBackend):
    """The state is the content of ``file_path`` (``1`` or ``0``; any spelling ``env`` accepts).

    A missing file reads as off. Writes are atomic: a temporary file in the same folder
    is renamed over the old one, so a reader never sees a torn or empty file. Every
    process sees a change within ``check_interval`` seconds: requests are answered from
    memory and the file is only ``stat``-ed once per interval, and read only when it changed.
    A file that cannot be read or holds garbage is logged once and the last known state
    (else off) is kept; so is an empty file, which another writer is still writing.
    """

    def __init__(
        self, file_path: str | os.PathLike[str], check_interval: float = DEFAULT_CHECK_INTERVAL
    ) -> None:
        try:
            path = os.fspath(file_path)
        except TypeError:
            path = ""
        if not path:
            raise BackendConfigError(f"the file backend needs a file_path, got {file_path!r}")
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
        self._value: bool | None = None
        self._signature: _Signature | None = None
        #: The file changed so recently that a rewrite could keep its signature.
        self._racy = False
        self._checked_at = float("-inf")
        self._problem: str | None = None

    @classmethod
    def from_url(cls, url: str, **options: Any) -> LocalFileBackend:
        """``file:///abs/path`` or ``file://relative/path``, with ``?check_interval=`` optional."""
        parts = urlsplit(url)
        host = "" if parts.netloc == "localhost" else parts.netloc
        path = unquote(host + parts.path)
        if not path:
            raise BackendConfigError(
                f"a file URL needs a path, as file:///var/run/maintenance; got {url!r}"
            )
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        unknown = set(query) - {"check_interval"}
        if unknown:
            raise BackendConfigError(
                f"unknown option(s) {', '.join(sorted(unknown))} in {url!r}; "
                "accepted: check_interval"
            )
        try:
            return cls(path, **{**query, **options})
        except TypeError as exc:
            raise BackendConfigError(
                f"bad options for {url!r}: {exc}; accepted: check_interval"
            ) from exc

    # reading -------------------------------------------------------------------------

    def cached_value(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at >= self.check_interval:
            self._refresh(now)
        return bool(self._value)

    async def get_value(self) -> bool:
        self._refresh(time.monotonic())
        return bool(self._value)

    def _refresh(self, now: float) -> None:
        self._checked_at = now
        try:
            st = os.stat(self.file_path)
        except FileNotFoundError:
            self._signature = None
            self._accept(False)
            return
        except OSError as exc:
            self._trouble(f"cannot stat {self.file_path}: {exc.strerror or exc}")
            return
        if not stat.S_ISREG(st.st_mode):
            self._trouble(f"{self.file_path} is not a regular file")
            return
        signature = (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
        if signature == self._signature and not self._racy:
            return
        try:
            with open(self.file_path, "rb") as f:
                raw = f.read(MAX_STATE_BYTES + 1)
        except FileNotFoundError:
            self._signature = None
            self._accept(False)
            return
        except OSError as exc:
            self._trouble(f"cannot read {self.file_path}: {exc.strerror or exc}")
            return
        self._signature = signature
        # Timestamps are coarse: a same-size rewrite in the same tick keeps the signature,
        # so a file changed shortly before this read is read again next time.
        self._racy = time.time_ns() - st.st_mtime_ns < _RACY_NS
        if not raw:
            # Someone else's writer truncated the file and has not written yet.
            return
        try:
            if len(raw) > MAX_STATE_BYTES:
                raise ValueError(f"more than {MAX_STATE_BYTES} bytes")
            value = parse_bool(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            self._trouble(f"{self.file_path} holds no valid state ({exc})")
            return
        self._accept(value)

    def _accept(self, value: bool) -> None:
        if self._problem is not None:
            logger.warning("maintenance state file %s is readable again", self.file_path)
            self._problem = None
        self._value = value

    def _trouble(self, problem: str) -> None:
        if problem != self._problem:
            self._problem = problem
            assumed = "on" if self._value else "off"
            logger.error("%s; keeping the last known state (%s)", problem, assumed)

    # writing -------------------------------------------------------------------------

    async def set_value(self, value: bool) -> None:
        await anyio.to_thread.run_sync(self._write, bool(value))
        self._refresh(time.monotonic())

    def _write(self, value: bool) -> None:
        path = os.path.abspath(self.file_path)
        folder = os.path.dirname(path)
        try:
            fd, tmp = tempfile.mkstemp(
                prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder
            )
        except OSError as exc:
            raise BackendUnavailableError(
                f"cannot write maintenance state to {self.file_path}: {exc.strerror or exc}"
            ) from exc
        try:
            with os.fdopen(fd, "wb") as f:
                os.fchmod(f.fileno(), _mode_of(path))
                f.write(format_bool(value).encode())
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


def _mode_of(path: str) -> int:
    """Keep the permissions of the file being replaced; a new file is readable by all."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o644


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
