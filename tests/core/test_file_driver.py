"""The ``file`` driver: a state file shared by the processes of one machine."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import anyio
import pytest

from fastapi_maintenance import (
    BackendConfigError,
    BackendUnavailableError,
    InvalidStateError,
    MaintenanceState,
    maintenance_mode_on,
    set_maintenance_mode,
)
from fastapi_maintenance._model.model import MAX_TEXT_BYTES
from fastapi_maintenance.backends import LocalFileBackend, create_backend

from .support import shop_app

pytestmark = pytest.mark.anyio

WORKER = str(Path(__file__).with_name("file_worker.py"))


@pytest.fixture
def client(client_for: Any, state_file: Path) -> Any:
    """A client of an app whose file backend looks at the file on every request."""
    return client_for(shop_app(backend=LocalFileBackend(state_file, check_interval=0)))


async def status(client: Any) -> int:
    response = await client.get("/items")
    return int(response.status_code)


async def write_raw(path: Path, content: bytes) -> None:
    """Write the file in place, as an editor or another tool would."""
    await anyio.Path(path).write_bytes(content)


AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
#: The unprivileged user and group workers run as in the permission tests.
NOBODY = 65534
#: Seconds a read may take before it counts as blocked for good.
BLOCKED_AFTER = 5.0
#: A document whose end, in UTC, falls after the last datetime there is.
OUT_OF_RANGE = b'{"fastapi_maintenance": 1, "on": false, "ends_at": "9999-12-31T23:59:59-00:01"}'
#: What a state file may hold that is not a state, each refused whole.
GARBAGE = pytest.mark.parametrize(
    "content",
    [
        b"maybe",
        b"tru",
        b"\xff\xfe\x00\x01",
        b"1" + b" " * MAX_TEXT_BYTES,
        b"1" * 10_000,
        OUT_OF_RANGE,
    ],
    ids=["garbage", "partial", "binary", "padded-oversize", "oversize", "time out of range"],
)


def bounded(read: Callable[[], Any]) -> Any:
    """``read()`` in a thread of its own; fails the test, not the suite, if it blocks."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(read())
        except BaseException as exc:  # handed to the test below
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(BLOCKED_AFTER)
    if thread.is_alive():
        pytest.fail(f"reading the state blocked for more than {BLOCKED_AFTER:g} s")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def one_shot(backend: LocalFileBackend) -> bool:
    """``get_value()`` in an event loop of its own, for :func:`bounded`."""
    return anyio.run(backend.get_value)


@pytest.fixture
def fifo_after_next_stat(
    state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], list[str]]]:
    """``arm()``: the next ``os.stat`` of the state file is followed by a real FIFO replacing
    the file, the race between a check and an open. ``arm()`` returns the swaps made."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("this platform has no named pipes")
    swaps: list[str] = []
    armed: list[bool] = []
    real_stat = os.stat

    def stat_then_swap(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        result = real_stat(path, *args, **kwargs)
        if armed and not swaps and os.fspath(path) == str(state_file):
            os.unlink(state_file)
            os.mkfifo(state_file)
            swaps.append("fifo")
        return result

    def arm() -> list[str]:
        armed.append(True)
        return swaps

    monkeypatch.setattr(os, "stat", stat_then_swap)
    yield arm
    # A reader stuck in open() on the FIFO gets a writer, hence end of file, and ends.
    with contextlib.suppress(OSError):
        os.close(os.open(state_file, os.O_WRONLY | os.O_NONBLOCK))


# reading ------------------------------------------------------------------------------


async def test_missing_file_means_off(file_backend: LocalFileBackend) -> None:
    assert await file_backend.get_value() is False
    assert file_backend.cached_value() is False


async def test_missing_file_is_not_created_by_reading(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await file_backend.get_value()
    assert not await anyio.Path(state_file).exists()


@pytest.mark.parametrize(("content", "expected"), [(b"1", True), (b"on\n", True), (b" 0 ", False)])
async def test_file_written_by_hand_is_read(
    file_backend: LocalFileBackend, state_file: Path, content: bytes, expected: bool
) -> None:
    await write_raw(state_file, content)
    assert await file_backend.get_value() is expected


@GARBAGE
async def test_bad_content_keeps_the_last_known_state(
    client: Any, state_file: Path, content: bytes
) -> None:
    await write_raw(state_file, b"1")
    assert await status(client) == 503
    await write_raw(state_file, content)
    assert await status(client) == 503
    await write_raw(state_file, b"0")
    assert await status(client) == 200


async def test_bad_content_without_a_known_state_counts_as_off(
    client: Any, state_file: Path
) -> None:
    await write_raw(state_file, b"maybe")
    assert await status(client) == 200


async def test_bad_content_is_logged_once_and_recovery_once(
    client: Any, state_file: Path, logged: Any
) -> None:
    await write_raw(state_file, b"maybe")
    for _ in range(3):
        await status(client)
    await write_raw(state_file, b"0")
    for _ in range(3):
        await status(client)
    assert len(logged("holds no valid state")) == 1
    assert len(logged("readable again")) == 1


async def test_empty_file_keeps_the_last_known_state_quietly(
    client: Any, state_file: Path, logged: Any
) -> None:
    await write_raw(state_file, b"1")
    assert await status(client) == 503
    await write_raw(state_file, b"")
    assert await status(client) == 503
    assert not logged(str(state_file))


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root reads files whatever their permission bits; "
    "test_file_behind_a_symlink_loop covers an unreadable file instead",
)
async def test_file_without_read_permission_keeps_the_last_known_state(
    client: Any, state_file: Path, logged: Any
) -> None:
    await write_raw(state_file, b"1")
    assert await status(client) == 503
    await write_raw(state_file, b"0\n")
    await anyio.Path(state_file).chmod(0)
    assert await status(client) == 503
    assert logged("cannot read")


async def test_file_behind_a_symlink_loop_keeps_the_last_known_state(
    client: Any, state_file: Path, logged: Any
) -> None:
    """A path that cannot be resolved is unreadable, even for root."""
    await write_raw(state_file, b"1")
    assert await status(client) == 503
    await anyio.Path(state_file).unlink()
    await anyio.Path(state_file).symlink_to(state_file)
    assert await status(client) == 503
    assert len(logged("cannot stat")) == 1


async def test_file_replaced_by_a_directory_keeps_the_last_known_state(
    client: Any, state_file: Path, logged: Any
) -> None:
    await write_raw(state_file, b"1")
    assert await status(client) == 503
    await anyio.Path(state_file).unlink()
    await anyio.Path(state_file).mkdir()
    assert await status(client) == 503
    assert logged("is not a regular file")


async def test_file_deleted_means_off(client: Any, state_file: Path) -> None:
    await write_raw(state_file, b"1")
    assert await status(client) == 503
    await anyio.Path(state_file).unlink()
    assert await status(client) == 200


async def test_same_size_rewrite_in_the_same_instant_is_seen(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await write_raw(state_file, b"1")
    before = await anyio.Path(state_file).stat()
    assert await file_backend.get_value() is True
    await write_raw(state_file, b"0")
    os.utime(state_file, ns=(before.st_atime_ns, before.st_mtime_ns))  # same size, same mtime
    assert await file_backend.get_value() is False


async def test_oversize_file_is_refused_never_cut_and_parsed(state_file: Path) -> None:
    """The first MAX_TEXT_BYTES bytes of ``"1"`` and spaces would read as on: it is garbage."""
    await write_raw(state_file, b"1" + b" " * MAX_TEXT_BYTES)
    backend = LocalFileBackend(state_file, check_interval=0)
    assert backend.cached_value() is False
    with pytest.raises(
        InvalidStateError, match=f"{MAX_TEXT_BYTES + 1} bytes, more than {MAX_TEXT_BYTES}"
    ):
        await backend.get_value()


async def test_a_document_up_to_the_size_limit_is_read(state_file: Path) -> None:
    text = MaintenanceState(on=True, message="x" * 100).to_text()
    await write_raw(state_file, text.encode().ljust(MAX_TEXT_BYTES))
    assert (await LocalFileBackend(state_file).get_state()).message == "x" * 100


async def test_symlink_at_the_path_is_followed_when_reading(
    file_backend: LocalFileBackend, state_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "shared-state"
    await write_raw(target, b"1")
    await anyio.Path(state_file).symlink_to(target)
    assert await file_backend.get_value() is True
    assert file_backend.cached_value() is True


# a file swapped under the reader ------------------------------------------------------


async def test_fifo_swapped_in_after_the_stat_does_not_block_requests(
    file_backend: LocalFileBackend, state_file: Path, fifo_after_next_stat: Any, logged: Any
) -> None:
    await write_raw(state_file, b"1")
    assert file_backend.cached_value() is True
    swaps = fifo_after_next_stat()
    await write_raw(state_file, b"0\n")  # a change, so the file is opened after the stat
    assert bounded(file_backend.cached_value) is True
    assert swaps == ["fifo"]
    assert logged("is not a regular file")


async def test_fifo_swapped_in_after_the_stat_fails_a_one_shot_read(
    file_backend: LocalFileBackend, state_file: Path, fifo_after_next_stat: Any
) -> None:
    await write_raw(state_file, b"1")
    swaps = fifo_after_next_stat()
    with pytest.raises(BackendUnavailableError, match="is not a regular file"):
        bounded(lambda: one_shot(file_backend))
    assert swaps == ["fifo"]


# one-shot reads -----------------------------------------------------------------------


@GARBAGE
async def test_one_shot_read_of_bad_content_raises_invalid_state(
    file_backend: LocalFileBackend, state_file: Path, content: bytes
) -> None:
    await write_raw(state_file, content)
    with pytest.raises(InvalidStateError, match=f"{state_file} holds no valid state"):
        await file_backend.get_value()


async def test_one_shot_read_of_a_time_out_of_range_raises_invalid_state(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await write_raw(state_file, OUT_OF_RANGE)
    with pytest.raises(InvalidStateError, match="ends_at is out of range"):
        await file_backend.get_state()


async def test_one_shot_read_of_bad_content_raises_even_with_a_known_state(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await write_raw(state_file, b"1")
    assert await file_backend.get_value() is True
    await write_raw(state_file, b"maybe")
    with pytest.raises(InvalidStateError):
        await file_backend.get_value()
    with pytest.raises(InvalidStateError):
        await file_backend.get_value()  # unchanged, so not read again: the same answer
    assert file_backend.cached_value() is True


async def test_one_shot_read_leaves_the_error_to_its_caller_and_logs_nothing(
    file_backend: LocalFileBackend, state_file: Path, logged: Any
) -> None:
    await write_raw(state_file, b"maybe")
    with pytest.raises(InvalidStateError):
        await file_backend.get_value()
    assert not logged(str(state_file))


async def test_problem_first_met_by_a_one_shot_read_is_still_logged_for_requests(
    file_backend: LocalFileBackend, state_file: Path, logged: Any
) -> None:
    await write_raw(state_file, b"maybe")
    os.utime(state_file, (0, 0))  # long unchanged: requests do not read it again
    with pytest.raises(InvalidStateError):
        await file_backend.get_value()
    for _ in range(3):
        assert file_backend.cached_value() is False
    assert len(logged("holds no valid state")) == 1


async def test_one_shot_read_of_an_empty_file_is_off(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await write_raw(state_file, b"")
    assert await file_backend.get_value() is False


@pytest.mark.parametrize("kind", ["folder", "fifo", "symlink loop"])
def test_one_shot_read_of_what_is_no_readable_file_raises_backend_unavailable(
    file_backend: LocalFileBackend, state_file: Path, kind: str
) -> None:
    if kind == "folder":
        state_file.mkdir()
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("this platform has no named pipes")
        os.mkfifo(state_file)
    else:
        state_file.symlink_to(state_file)
    with pytest.raises(BackendUnavailableError, match=str(state_file)):
        bounded(lambda: one_shot(file_backend))


@pytest.mark.skipif(AS_ROOT, reason="root reads files whatever their permission bits")
def test_one_shot_read_of_a_file_without_read_permission_raises_backend_unavailable(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    state_file.write_bytes(b"1")
    state_file.chmod(0)
    with pytest.raises(BackendUnavailableError, match="cannot read"):
        one_shot(file_backend)


# what is never shown ------------------------------------------------------------------


SECRET = b"s3cret-token-0123456789"


@pytest.fixture
def path_to_a_secret(state_file: Path, tmp_path: Path) -> Iterator[Path]:
    """The state path is a symlink to a short file only its owner may read."""
    secret = tmp_path / "secret"
    secret.write_bytes(SECRET)
    secret.chmod(0o600)
    state_file.symlink_to(secret)
    yield state_file


async def test_content_that_does_not_parse_is_never_logged(
    path_to_a_secret: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    backend = LocalFileBackend(path_to_a_secret, check_interval=0)
    assert backend.cached_value() is False
    logs = [record.getMessage() for record in caplog.records]
    assert any(f"{len(SECRET)} bytes" in message for message in logs)
    assert not [message for message in logs if "s3cret" in message]


async def test_content_that_does_not_parse_is_never_in_the_error(path_to_a_secret: Path) -> None:
    backend = LocalFileBackend(path_to_a_secret)
    with pytest.raises(InvalidStateError) as raised:
        await backend.get_value()
    assert f"{len(SECRET)} bytes; not a maintenance state; expected 1, on," in str(raised.value)
    assert "s3cret" not in str(raised.value)
    assert "s3cret" not in repr(raised.value.__cause__)


# the state assumed until one was read -------------------------------------------------


@pytest.mark.parametrize(("assume", "expected"), [("on", 503), ("off", 200), (None, 200)])
async def test_garbage_at_startup_serves_the_assumed_state(
    client_for: Any, state_file: Path, assume: str | None, expected: int
) -> None:
    await write_raw(state_file, b"maybe")
    options = {} if assume is None else {"assume": assume}
    client = client_for(shop_app(backend=LocalFileBackend(state_file, **options)))
    assert await status(client) == expected


def test_unreadable_file_at_startup_serves_the_assumed_state(state_file: Path) -> None:
    state_file.mkdir()
    assert LocalFileBackend(state_file, assume=True).cached_value() is True


def test_missing_file_at_startup_is_off_whatever_is_assumed(state_file: Path) -> None:
    assert LocalFileBackend(state_file, assume=True).cached_value() is False


async def test_assumed_state_lasts_only_until_a_state_was_read(
    state_file: Path, logged: Any
) -> None:
    await write_raw(state_file, b"maybe")
    backend = LocalFileBackend(state_file, check_interval=0, assume="on")
    assert backend.cached_value() is True
    assert logged("keeping the assumed state (on)")
    await write_raw(state_file, b"0")
    assert backend.cached_value() is False
    await write_raw(state_file, b"garbage")
    assert backend.cached_value() is False
    assert logged("keeping the last known state (off)")


async def test_one_shot_read_of_garbage_raises_whatever_is_assumed(state_file: Path) -> None:
    await write_raw(state_file, b"maybe")
    with pytest.raises(InvalidStateError):
        await LocalFileBackend(state_file, assume=True).get_value()


@pytest.mark.parametrize(
    ("assume", "expected"),
    [(True, True), (False, False), ("on", True), (" YES ", True), ("1", True), ("off", False)],
)
def test_assume_is_read_like_the_state(state_file: Path, assume: Any, expected: bool) -> None:
    assert LocalFileBackend(state_file, assume=assume).assume is expected


def test_assume_in_a_url(state_file: Path) -> None:
    backend = create_backend(f"file://{state_file}?assume=on&check_interval=2")
    assert backend.assume is True
    assert backend.check_interval == 2


@pytest.mark.parametrize("assume", ["maybe", 1, None])
def test_bad_assume_is_refused_with_the_accepted_forms(state_file: Path, assume: Any) -> None:
    with pytest.raises(BackendConfigError, match=r"assume must be on or off.*expected one of"):
        LocalFileBackend(state_file, assume=assume)


# writing ------------------------------------------------------------------------------


async def test_write_creates_the_file(file_backend: LocalFileBackend, state_file: Path) -> None:
    await file_backend.set_value(True)
    assert await anyio.Path(state_file).read_text() == "1"


async def test_write_leaves_no_temporary_file(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    for value in (True, False, True):
        await file_backend.set_value(value)
    assert [p.name async for p in anyio.Path(state_file.parent).iterdir()] == [state_file.name]


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


async def test_write_creates_a_file_readable_by_all(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await file_backend.set_value(True)
    assert mode_of(state_file) == 0o644


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (0o640, 0o640),
        (0o600, 0o600),
        (0o664, 0o664),
        (0o666, 0o664),
        (0o4777, 0o664),
        (0o2644, 0o644),
        (0o1604, 0o604),
        (0o755, 0o644),
        (0o000, 0o644),
        (0o200, 0o644),
    ],
    ids=oct,
)
async def test_write_keeps_the_read_bits_and_drops_world_write_and_special_bits(
    file_backend: LocalFileBackend, state_file: Path, before: int, after: int
) -> None:
    """One policy: the old file's read (and owner/group write) bits stay; world-write,
    execute, setuid, setgid and sticky go; a file nobody could read becomes 0644."""
    await write_raw(state_file, b"1")
    os.chmod(state_file, before)
    await file_backend.set_value(False)
    assert mode_of(state_file) == after
    assert await anyio.Path(state_file).read_bytes() == b"0"


@pytest.fixture
def shared_state_file() -> Iterator[Path]:
    """A state file path in a folder every user may enter, removed after the test."""
    folder = Path(tempfile.mkdtemp(prefix="fastapi-maintenance-"))
    folder.chmod(0o755)
    yield folder / "maintenance"
    shutil.rmtree(folder)


@pytest.mark.skipif(
    not AS_ROOT or not shutil.which("cat"), reason="needs root, and cat to read as nobody"
)
def test_off_by_root_over_a_mode_000_file_is_read_by_a_worker_that_is_not_root(
    shared_state_file: Path,
) -> None:
    shared_state_file.write_text("1")
    shared_state_file.chmod(0)
    script = Path(sys.executable).with_name("fastapi-maintenance")
    spec = f"file://{shared_state_file}"
    subprocess.run([str(script), "off", "--backend", spec], check=True, capture_output=True)
    worker = subprocess.run(
        ["cat", str(shared_state_file)],  # as a worker that is not root reads it
        user=NOBODY,
        group=NOBODY,
        extra_groups=[],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode == 0, worker.stderr
    assert MaintenanceState.from_text(worker.stdout).on is False


async def test_write_never_takes_the_mode_of_a_symlinks_target(
    file_backend: LocalFileBackend, state_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere"
    await write_raw(target, b"1")
    os.chmod(target, 0o4777)
    await anyio.Path(state_file).symlink_to(target)
    await file_backend.set_value(False)
    assert mode_of(state_file) == 0o644


async def test_write_replaces_a_symlink_at_the_path_never_its_target(
    file_backend: LocalFileBackend, state_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere"
    await write_raw(target, b"keep me")
    await anyio.Path(state_file).symlink_to(target)
    await file_backend.set_value(True)
    assert not await anyio.Path(state_file).is_symlink()
    assert await anyio.Path(state_file).read_bytes() == b"1"
    assert await anyio.Path(target).read_bytes() == b"keep me"


@pytest.mark.skipif(not AS_ROOT, reason="only root writes over another user's file")
async def test_write_over_a_file_only_another_user_could_read_warns(
    file_backend: LocalFileBackend, state_file: Path, logged: Any
) -> None:
    await write_raw(state_file, b"1")
    os.chown(state_file, NOBODY, NOBODY)
    os.chmod(state_file, 0o600)
    await file_backend.set_value(False)
    assert logged(f"belonged to uid {NOBODY} and only its owner could read it")


async def test_write_flushes_the_temporary_file_before_the_rename(
    file_backend: LocalFileBackend, state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, int]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append(("fsync", os.fstat(fd).st_ino))
        real_fsync(fd)

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        calls.append(("replace", os.stat(src).st_ino))
        real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    await file_backend.set_value(True)
    written = (await anyio.Path(state_file).stat()).st_ino
    assert calls.index(("fsync", written)) < calls.index(("replace", written))


async def test_write_into_a_missing_folder_raises_backend_unavailable(tmp_path: Path) -> None:
    backend = LocalFileBackend(tmp_path / "no-such-folder" / "maintenance")
    with pytest.raises(BackendUnavailableError, match="no-such-folder"):
        await backend.set_value(True)


async def test_write_over_a_directory_raises_backend_unavailable(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await anyio.Path(state_file).mkdir()
    with pytest.raises(BackendUnavailableError, match=str(state_file)):
        await file_backend.set_value(True)


async def test_write_is_seen_at_once_by_the_writing_backend(state_file: Path) -> None:
    backend = LocalFileBackend(state_file, check_interval=3600)
    assert backend.cached_value() is False
    await backend.set_value(True)
    assert backend.cached_value() is True


# the whole state: a message, a window, read-only --------------------------------------

DETAILED = MaintenanceState(
    on=True,
    read_only=True,
    message="Database upgrade, back at 03:00 UTC ✓",
    ends_at=datetime(2100, 1, 1, 3, 0, tzinfo=timezone.utc),
    updated_by="ops@host",
)


async def test_a_state_with_details_is_kept_as_a_json_document(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await file_backend.set_state(DETAILED)
    document = json.loads(await anyio.Path(state_file).read_text("utf-8"))
    assert document["fastapi_maintenance"] == 1
    assert document["message"] == DETAILED.message
    assert await file_backend.get_state() == DETAILED


async def test_set_value_still_writes_a_plain_word(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await file_backend.set_state(DETAILED)
    await file_backend.set_value(True)
    assert await anyio.Path(state_file).read_bytes() == b"1"
    assert await file_backend.get_state() == MaintenanceState(on=True)


@pytest.mark.parametrize(("value", "word"), [(True, b"1"), (False, b"0")])
async def test_set_maintenance_mode_writes_0_0_5s_plain_word(
    file_backend: LocalFileBackend, state_file: Path, value: bool, word: bytes
) -> None:
    await set_maintenance_mode(value, file_backend)
    assert await anyio.Path(state_file).read_bytes() == word


async def test_a_plain_switch_over_a_document_leaves_a_plain_word(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await file_backend.set_state(DETAILED)
    await set_maintenance_mode(False, file_backend)
    assert await anyio.Path(state_file).read_bytes() == b"0"


async def test_a_maintenance_block_writes_and_restores_plain_words(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await set_maintenance_mode(False, file_backend)
    async with maintenance_mode_on(file_backend):
        assert await anyio.Path(state_file).read_bytes() == b"1"
    assert await anyio.Path(state_file).read_bytes() == b"0"


@pytest.mark.parametrize(
    "details", [{"message": "Back soon"}, {"read_only": True}, {"updated_by": "ops"}]
)
async def test_a_switch_with_details_writes_a_stamped_document(
    file_backend: LocalFileBackend, state_file: Path, details: dict[str, Any]
) -> None:
    await set_maintenance_mode(True, file_backend, **details)
    document = json.loads(await anyio.Path(state_file).read_text("utf-8"))
    assert document["fastapi_maintenance"] == 1
    assert datetime.fromisoformat(document["updated_at"]).tzinfo is not None


async def test_a_word_echoed_over_a_document_replaces_it(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await file_backend.set_state(DETAILED)
    await write_raw(state_file, b"0\n")
    assert await file_backend.get_state() == MaintenanceState()


async def test_a_document_written_by_another_backend_is_served_to_requests(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await LocalFileBackend(state_file).set_state(DETAILED)
    assert file_backend.cached_state() == DETAILED


async def test_cached_state_is_the_same_object_until_the_file_changes(state_file: Path) -> None:
    backend = LocalFileBackend(state_file, check_interval=0)
    await backend.set_state(DETAILED)
    first = backend.cached_state()
    await write_raw(state_file, DETAILED.to_text().encode() + b"\n")  # same state, new file
    assert backend.cached_state() is first
    await write_raw(state_file, b"0")
    assert backend.cached_state() == MaintenanceState()


async def test_cached_state_does_not_look_at_the_file_within_check_interval(
    state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = LocalFileBackend(state_file, check_interval=3600)
    await backend.set_state(DETAILED)
    looked: list[Any] = []
    monkeypatch.setattr(os, "stat", lambda *args, **kwargs: looked.append(args))
    monkeypatch.setattr(os, "open", lambda *args, **kwargs: looked.append(args))
    states = {id(backend.cached_state()) for _ in range(100)}
    assert len(states) == 1
    assert looked == []


async def test_cached_value_answers_whether_the_window_is_active_now(
    file_backend: LocalFileBackend,
) -> None:
    now = datetime.now(timezone.utc)
    scheduled = MaintenanceState(on=True, starts_at=now + timedelta(hours=1))
    await file_backend.set_state(scheduled)
    assert file_backend.cached_state() == scheduled
    assert file_backend.cached_value() is False
    assert await file_backend.get_value() is False
    await file_backend.set_state(MaintenanceState(on=True, ends_at=now + timedelta(hours=1)))
    assert file_backend.cached_value() is True
    assert await file_backend.get_value() is True


async def test_a_window_ends_for_requests_without_a_write(file_backend: LocalFileBackend) -> None:
    ends = datetime.now(timezone.utc) + timedelta(seconds=0.3)
    await file_backend.set_state(MaintenanceState(on=True, ends_at=ends))
    assert file_backend.cached_value() is True
    await anyio.sleep(0.4)
    assert file_backend.cached_value() is False
    assert file_backend.cached_state().is_expired()


@pytest.mark.parametrize(
    "document",
    [
        b'{"fastapi_maintenance": 1, "on": "secret-value"}',
        b'{"fastapi_maintenance": 1, "on": true, "ends_at": "secret-value"}',
        b'{"fastapi_maintenance": 7, "on": true, "message": "secret-value"}',
        b'{"on": true, "message": "secret-value"}',
        b'{"fastapi_maintenance": 1, "on": true, "message": "secret-value"',
    ],
    ids=["bad type", "bad datetime", "unknown version", "no format key", "cut short"],
)
async def test_a_document_that_is_no_state_is_garbage_never_quoted(
    state_file: Path, document: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await write_raw(state_file, b"1")
    backend = LocalFileBackend(state_file, check_interval=0)
    assert backend.cached_value() is True
    await write_raw(state_file, document)
    assert backend.cached_state() == MaintenanceState(on=True), "the last known state is kept"
    with pytest.raises(InvalidStateError, match=f"{len(document)} bytes") as raised:
        await backend.get_state()
    assert "secret-value" not in str(raised.value)
    assert not [r for r in caplog.records if "secret-value" in r.getMessage()]


# other processes ----------------------------------------------------------------------


def run_worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, WORKER, *args], stdout=subprocess.PIPE, text=True)


async def test_change_by_another_process_is_seen_within_check_interval(
    client_for: Any, state_file: Path
) -> None:
    client = client_for(shop_app(backend=LocalFileBackend(state_file, check_interval=0.1)))
    assert await status(client) == 200
    await anyio.to_thread.run_sync(lambda: run_worker("write", str(state_file), "1").wait(30))
    for _ in range(250):  # 5 s at most
        if await status(client) == 503:
            break
        await anyio.sleep(0.02)
    assert await status(client) == 503


async def test_requests_do_not_look_at_the_file_within_check_interval(
    client_for: Any, state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked: list[str] = []
    real_stat, real_open = os.stat, os.open

    def counting_stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if os.fspath(path) == str(state_file):
            looked.append("stat")
        return real_stat(path, *args, **kwargs)

    def counting_open(path: Any, *args: Any, **kwargs: Any) -> int:
        if os.fspath(path) == str(state_file):
            looked.append("open")
        return real_open(path, *args, **kwargs)

    await write_raw(state_file, b"0")
    client = client_for(shop_app(backend=LocalFileBackend(state_file, check_interval=3600)))
    monkeypatch.setattr(os, "stat", counting_stat)
    monkeypatch.setattr(os, "open", counting_open)
    for _ in range(50):
        assert await status(client) == 200
    assert looked == ["stat", "open"]


def test_concurrent_writer_processes_never_show_a_torn_file(state_file: Path) -> None:
    """Four processes switch the state 100 times each while a fifth reads the raw file."""
    stop = state_file.with_name("stop")
    subprocess.run([sys.executable, WORKER, "write", str(state_file), "1"], check=True)
    watcher = run_worker("watch", str(state_file), str(stop))
    writers = [run_worker("write", str(state_file), "100") for _ in range(4)]
    try:
        assert [writer.wait(timeout=60) for writer in writers] == [0, 0, 0, 0]
    finally:
        stop.touch()
        output, _ = watcher.communicate(timeout=60)
    seen = json.loads(output)
    assert seen["reads"] > 0
    assert seen["bad"] == []
    assert state_file.read_bytes() in (b"0", b"1")
    assert sorted(p.name for p in state_file.parent.iterdir()) == ["maintenance", "stop"]


# configuration ------------------------------------------------------------------------


def test_file_url_with_an_absolute_path(state_file: Path) -> None:
    backend = create_backend(f"file://{state_file}")
    assert isinstance(backend, LocalFileBackend)
    assert backend.file_path == str(state_file)


def test_file_url_with_localhost(state_file: Path) -> None:
    assert create_backend(f"file://localhost{state_file}").file_path == str(state_file)


def test_file_url_with_a_relative_path() -> None:
    assert create_backend("file://run/maintenance").file_path == "run/maintenance"


async def test_relative_file_url_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    await create_backend("file://maintenance").set_value(True)
    assert await anyio.Path(tmp_path / "maintenance").read_text() == "1"


def test_file_url_with_check_interval(state_file: Path) -> None:
    backend = create_backend(f"file://{state_file}?check_interval=0.25")
    assert backend.check_interval == 0.25


def test_file_url_with_an_escaped_path(tmp_path: Path) -> None:
    backend = create_backend(f"file://{tmp_path}/my%20state")
    assert backend.file_path == f"{tmp_path}/my state"


@pytest.mark.parametrize("interval", ["abc", "-1", "nan", ""])
def test_bad_check_interval_in_a_url_is_refused_clearly(state_file: Path, interval: str) -> None:
    with pytest.raises(
        BackendConfigError, match=r"check_interval must be a number of seconds >= 0"
    ):
        create_backend(f"file://{state_file}?check_interval={interval}")


@pytest.mark.parametrize("interval", [-0.5, "soon", None])
def test_bad_check_interval_option_is_refused_clearly(state_file: Path, interval: Any) -> None:
    with pytest.raises(BackendConfigError, match=r"check_interval must be a number"):
        LocalFileBackend(state_file, check_interval=interval)


def test_unknown_url_option_is_refused_with_the_accepted_ones(state_file: Path) -> None:
    with pytest.raises(BackendConfigError, match="accepted: check_interval"):
        create_backend(f"file://{state_file}?interval=1")


def test_unknown_keyword_option_is_refused_with_the_accepted_ones(state_file: Path) -> None:
    with pytest.raises(BackendConfigError, match="accepted: assume, check_interval"):
        create_backend(f"file://{state_file}", colour="blue")


def test_file_url_without_a_path_is_refused() -> None:
    with pytest.raises(BackendConfigError, match="needs a path"):
        create_backend("file://")


@pytest.mark.parametrize("spec", ["file:///", "file:///var/run/"])
def test_file_url_naming_a_folder_is_refused(spec: str) -> None:
    with pytest.raises(BackendConfigError, match="names a folder"):
        create_backend(spec)


def test_file_path_with_a_nul_character_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BackendConfigError, match="contains a NUL character"):
        LocalFileBackend(f"{tmp_path}/state\0")


@pytest.mark.parametrize("path", ["", None])
def test_missing_file_path_is_refused(path: Any) -> None:
    with pytest.raises(BackendConfigError, match="needs a file_path"):
        LocalFileBackend(path)
