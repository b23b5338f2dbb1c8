"""What the driver keeps in Redis and sends on the channel, and how it reads it back.

``key`` holds ``1`` or ``0`` (a missing key is off), so ``redis-cli GET``/``SET`` work on it.
``key:version`` holds the version of the last write: the Redis server clock in microseconds,
and always above the previous version. A write sets both and publishes ``"<version> <value>"``
in one Lua script. A message is only a hint that the key changed: the state and its version
are always read from the key.
"""

from __future__ import annotations

import re

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from fastapi_maintenance import InvalidStateError
from fastapi_maintenance.backends import format_state_text, parse_state_text

__all__ = ["MAX_STATE_BYTES", "UNVERSIONED", "InvalidStateError", "parse_hint", "read", "write"]

#: The version of a state nobody wrote through the driver (a missing key, or a manual SET).
UNVERSIONED = 0
#: The longest value the key may hold; anything longer is garbage and never read whole.
MAX_STATE_BYTES = 64
#: ``"<version> <state>"`` as the driver publishes it: ASCII digits (a version fits in 20),
#: one space, a short state. Anything else on the channel is dropped.
_ANNOUNCEMENT = re.compile(rb"([0-9]{1,20}) [0-9A-Za-z]{1,5}")
_EXPECTED = "expected 1 or 0 (or on/off, true/false, yes/no)"

_WRITE = """
if redis.replicate_commands then redis.replicate_commands() end
local now = redis.call('TIME')
local version = math.max(tonumber(now[1]) * 1000000 + tonumber(now[2]),
                         (tonumber(redis.call('GET', KEYS[2])) or 0) + 1)
version = string.format('%.0f', version)
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], version)
redis.call('PUBLISH', ARGV[2], version .. ' ' .. ARGV[1])
return version
"""


def version_key(key: str) -> str:
    return f"{key}:version"


async def read(client: Redis, key: str) -> tuple[bool, int]:
    """The state and its version, in one round trip, reading at most :data:`MAX_STATE_BYTES`.

    ``InvalidStateError`` if the key holds anything but a state; it gives the length of
    what it found, never its content.
    """
    async with client.pipeline(transaction=True) as pipe:
        pipe.strlen(key)
        pipe.getrange(key, 0, MAX_STATE_BYTES - 1)
        pipe.get(version_key(key))
        try:
            size, head, version = await pipe.execute()
        except ResponseError as exc:
            if "WRONGTYPE" in str(exc):
                raise InvalidStateError(
                    f"key {key!r} holds a value that is not a string; {_EXPECTED}"
                ) from None
            raise
    if int(size) > MAX_STATE_BYTES:
        raise InvalidStateError(
            f"key {key!r} holds {int(size)} bytes, more than the {MAX_STATE_BYTES} a state "
            f"may have; {_EXPECTED}"
        )
    return parse_state(head, f"key {key!r}"), _version(version)


async def write(client: Redis, key: str, channel: str, value: bool) -> int:
    """Store and publish ``value`` atomically; return its version."""
    version = await client.eval(_WRITE, 2, key, version_key(key), format_state_text(value), channel)
    return _version(version)


def parse_hint(data: object) -> int | None:
    """The version a message announces, or ``None`` if it is not the driver's announcement."""
    raw = data.encode() if isinstance(data, str) else data
    if not isinstance(raw, bytes) or len(raw) > 32:
        return None
    match = _ANNOUNCEMENT.fullmatch(raw)
    return int(match.group(1)) if match else None


def parse_state(raw: object, what: str) -> bool:
    """A state read from Redis (bytes, or text from a client that decodes responses)."""
    try:
        text = raw.decode() if isinstance(raw, bytes) else raw
        return False if text is None else parse_state_text(str(text))
    except ValueError:  # UnicodeDecodeError included
        size = len(raw) if isinstance(raw, bytes | str) else 0
        raise InvalidStateError(
            f"{what} holds {size} bytes that are not a maintenance state; {_EXPECTED}"
        ) from None


def _version(raw: object) -> int:
    try:
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        return int(text) if raw is not None and len(text) <= 20 else UNVERSIONED
    except (UnicodeDecodeError, ValueError):
        return UNVERSIONED
