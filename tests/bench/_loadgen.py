"""A keep-alive HTTP/1.1 load generator: ``python -m tests.bench._loadgen --port N``.

Each connection sends one request, reads the whole response, and sends the next, until
the time is up. Responses are counted only after the warm-up. Prints one JSON line:
``{"requests": ..., "seconds": ..., "statuses": {...}, "errors": ..., "total": ...}``, where
``total`` counts the warm-up's responses too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from collections import Counter
from dataclasses import dataclass, field

_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)


@dataclass
class _Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    #: Every response, the warm-up's included.
    total: int = 0


async def _connection(
    port: int, request: bytes, counted_from: float, deadline: float, tally: _Tally
) -> None:
    loop = asyncio.get_running_loop()
    while loop.time() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            tally.errors += 1
            await asyncio.sleep(0.01)
            continue
        try:
            while loop.time() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = _LENGTH.search(head)
                if length is None:
                    raise ValueError("response without Content-Length")
                await reader.readexactly(int(length.group(1)))
                tally.total += 1
                if counted_from <= loop.time() < deadline:
                    tally.statuses[int(head[9:12])] += 1
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            tally.errors += 1
        finally:
            writer.close()


async def generate(
    port: int, path: str, connections: int, seconds: float, warmup: float
) -> dict[str, object]:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
        "User-Agent: fastapi-maintenance-bench\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    counted_from = loop.time() + warmup
    deadline = counted_from + seconds
    tally = _Tally()
    await asyncio.gather(
        *(_connection(port, request, counted_from, deadline, tally) for _ in range(connections))
    )
    return {
        "requests": sum(tally.statuses.values()),
        "seconds": seconds,
        "statuses": {str(code): count for code, count in sorted(tally.statuses.items())},
        "errors": tally.errors,
        "total": tally.total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/target")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    args = parser.parse_args()
    result = asyncio.run(
        generate(args.port, args.path, args.connections, args.seconds, args.warmup)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
