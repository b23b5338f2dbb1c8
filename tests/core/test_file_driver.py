"""The ``file`` driver: a state file shared by the processes of one machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from fastapi_maintenance import BackendConfigError, BackendUnavailableError
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


@pytest.mark.parametrize(
    "content",
    [b"maybe", b"tru", b"\xff\xfe\x00\x01", b"1" + b" " * 100, b"1" * 10_000],
    ids=["garbage", "partial", "binary", "padded-oversize", "oversize"],
)
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
    stat = await anyio.Path(state_file).stat()
    assert await file_backend.get_value() is True
    await write_raw(state_file, b"0")
    os.utime(state_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    assert await file_backend.get_value() is False


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


async def test_write_keeps_the_file_permissions(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await file_backend.set_value(True)
    await anyio.Path(state_file).chmod(0o640)
    await file_backend.set_value(False)
    assert (await anyio.Path(state_file).stat()).st_mode & 0o777 == 0o640


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
    real_stat = os.stat

    def counting_stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if os.fspath(path) == str(state_file):
            looked.append("stat")
        return real_stat(path, *args, **kwargs)

    client = client_for(shop_app(backend=LocalFileBackend(state_file, check_interval=3600)))
    monkeypatch.setattr(os, "stat", counting_stat)
    for _ in range(50):
        assert await status(client) == 200
    assert len(looked) == 1


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
    with pytest.raises(BackendConfigError, match="accepted: check_interval"):
        create_backend(f"file://{state_file}", colour="blue")


def test_file_url_without_a_path_is_refused() -> None:
    with pytest.raises(BackendConfigError, match="needs a path"):
        create_backend("file://")


@pytest.mark.parametrize("spec", ["file:///", "file:///var/run/"])
def test_file_url_naming_a_folder_is_refused(spec: str) -> None:
    with pytest.raises(BackendConfigError, match="names a folder"):
        create_backend(spec)


@pytest.mark.parametrize("path", ["", None])
def test_missing_file_path_is_refused(path: Any) -> None:
    with pytest.raises(BackendConfigError, match="needs a file_path"):
        LocalFileBackend(path)
