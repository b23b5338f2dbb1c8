"""A separate process writing or watching a state file, for the multi-process file tests.

``python file_worker.py write PATH COUNT`` switches the state COUNT times through the file
driver; ``python file_worker.py watch PATH STOP_PATH`` reads the raw file until STOP_PATH
exists and prints, as JSON, how many reads it made and every content that was not a state.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from fastapi_maintenance.backends import LocalFileBackend

#: A watcher stops by itself after this long, whatever happens to the test.
WATCH_LIMIT_SECONDS = 60


async def write(path: str, count: int) -> None:
    backend = LocalFileBackend(path)
    for number in range(count):
        await backend.set_value(number % 2 == 0)


def watch(path: str, stop_path: str) -> None:
    reads = 0
    bad: list[str] = []
    deadline = time.monotonic() + WATCH_LIMIT_SECONDS
    while not os.path.exists(stop_path) and time.monotonic() < deadline:
        try:
            with open(path, "rb") as f:
                content = f.read()
        except FileNotFoundError:
            content = b"<missing>"
        reads += 1
        if content not in (b"0", b"1") and len(bad) < 20:
            bad.append(repr(content))
    print(json.dumps({"reads": reads, "bad": bad}))


if __name__ == "__main__":
    command, target, argument = sys.argv[1:4]
    if command == "write":
        asyncio.run(write(target, int(argument)))
    else:
        watch(target, argument)
