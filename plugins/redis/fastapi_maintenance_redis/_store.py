"""What the driver keeps in Redis and sends on the channel, and how it reads it back.

``key`` holds ``1`` or ``0`` (a missing key is off), so ``redis-cli GET``/``SET`` work on it.
``key:version`` holds the version of the last write: the Redis server clock in microseconds,
and always above the previous version. A write sets both and publishes ``"<version> <value>"``
in one Lua script, so a process can tell a late message or a slow read from a newer one.
"""

from __future__ import annotations

from redis.asyncio import Redis

from fastapi_maintenance import BaseStateBackend

#: The version of a state nobody wrote through the driver (a missing key, or a manual SET).
UNVERSIONED = 0

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


class InvalidStateError(ValueError):
    """The key holds something that is not a maintenance state."""


def version_key(key: str) -> str:
    return f"{key}:version"


async def read(client: Redis, key: str) -> tuple[bool, int]:
    """The state and its version, in one round trip."""
    raw, version = await client.mget(key, version_key(key))
    return parse_state(raw, f"key {key!r}"), _version(version)


async def write(client: Redis, key: str, channel: str, value: bool) -> int:
    """Store and publish ``value`` atomically; return its version."""
    text = BaseStateBackend._bool_to_str(value)
    version = await client.eval(_WRITE, 2, key, version_key(key), text, channel)
    return _version(version)


def parse_message(data: object) -> tuple[bool, int] | None:
    """A published ``"<version> <value>"``; ``None`` for anything else on the channel."""
    text = data.decode(errors="replace") if isinstance(data, bytes) else str(data)
    version, space, value = text.partition(" ")
    if not (space and version.isdigit() and value):
        return None
    try:
        return parse_state(value, "a message"), int(version)
    except InvalidStateError:
        return None


def parse_state(raw: object, what: str) -> bool:
    if raw is None:
        return False
    try:
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        return BaseStateBackend._str_to_bool(text)
    except (UnicodeDecodeError, ValueError):
        shown = raw if len(str(raw)) <= 40 else f"{str(raw)[:40]}..."
        raise InvalidStateError(
            f"{what} holds {shown!r}, which is not a maintenance state; "
            "expected 1 or 0 (or on/off, true/false, yes/no)"
        ) from None


def _version(raw: object) -> int:
    try:
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        return int(text) if raw is not None else UNVERSIONED
    except (UnicodeDecodeError, ValueError):
        return UNVERSIONED
