"""What the driver keeps in Redis and sends on the channel, and how it reads it back.

``key`` holds ``MaintenanceState.to_text``: ``1`` or ``0`` for a state that is only on
or off (a missing key is off), so ``redis-cli GET``/``SET`` work on it, else a small JSON
document with the message, the window, read-only and who switched it when. ``key:version``
holds the version of the last write: the Redis server clock in microseconds, and always
above the previous version. A write sets both and publishes ``"<version> <1 or 0>"`` in one
Lua script; a state with an end also gives the key a TTL of that end plus
``EXPIRY_MARGIN``, so an expired window clears the store (where the user may run
``PEXPIREAT``; else the key simply keeps no TTL). A message is only a hint that
the key changed: the state and its version are always read from the key.
"""

from __future__ import annotations

import re

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from fastapi_maintenance import InvalidStateError, MaintenanceState
from fastapi_maintenance.backends import MAX_DETAILS_BYTES, MAX_TEXT_BYTES

__all__ = [
    "EXPIRY_MARGIN",
    "MAX_STATE_BYTES",
    "UNVERSIONED",
    "InvalidStateError",
    "parse_hint",
    "read",
    "write",
]

#: The version of a state nobody wrote through the driver (a missing key, or a manual SET).
UNVERSIONED = 0
#: The longest value the key may hold; anything longer is garbage and never read whole.
MAX_STATE_BYTES = MAX_TEXT_BYTES
#: What the first read of the key fetches: every state without scopes fits. A longer value
#: takes a second read, so garbage longer than ``MAX_STATE_BYTES`` costs only this much.
_FIRST_READ_BYTES = MAX_DETAILS_BYTES
#: Seconds the key outlives the end of its window: a state still shows as expired for a
#: while (and a server clock a little behind the application's never cuts a window short).
EXPIRY_MARGIN = 300
#: ``"<version> <state>"`` as the driver publishes it: ASCII digits (a version fits in 20),
#: one space, a short state. Anything else on the channel is dropped.
_ANNOUNCEMENT = re.compile(rb"([0-9]{1,20}) [0-9A-Za-z]{1,5}")
_EXPECTED = (
    "expected 1 or 0 (or on/off, true/false, yes/no), or a JSON document "
    '{"fastapi_maintenance": 1, "on": ...}'
)

_WRITE = """
if redis.replicate_commands then redis.replicate_commands() end
local now = redis.call('TIME')
local version = math.max(tonumber(now[1]) * 1000000 + tonumber(now[2]),
                         (tonumber(redis.call('GET', KEYS[2])) or 0) + 1)
version = string.format('%.0f', version)
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], version)
redis.call('PUBLISH', ARGV[2], version .. ' ' .. ARGV[3])
-- Last, and allowed to fail (a user without PEXPIREAT): the state is written either way.
if ARGV[4] ~= '' then redis.pcall('PEXPIREAT', KEYS[1], ARGV[4]) end
return version
"""


def version_key(key: str) -> str:
    return f"{key}:version"


async def read(client: Redis, key: str) -> tuple[MaintenanceState, int]:
    """The state and its version, reading at most ``MAX_STATE_BYTES``: one round trip for
    a state of up to ``MAX_DETAILS_BYTES`` (any state without scopes), two for a longer one.

    ``InvalidStateError`` if the key holds anything but a state; it gives the length of
    what it found, never its content.
    """
    size, head, version = await _read(client, key, _FIRST_READ_BYTES)
    if _FIRST_READ_BYTES < size <= MAX_STATE_BYTES:
        size, head, version = await _read(client, key, MAX_STATE_BYTES)
    if size > MAX_STATE_BYTES:
        raise InvalidStateError(
            f"key {key!r} holds {size} bytes, more than the {MAX_STATE_BYTES} a state "
            f"may have; {_EXPECTED}"
        )
    return parse_state(head, f"key {key!r}"), _version(version)


async def _read(client: Redis, key: str, limit: int) -> tuple[int, object, object]:
    """The key's length, its first ``limit`` bytes and its version, in one transaction."""
    async with client.pipeline(transaction=True) as pipe:
        pipe.strlen(key)
        pipe.getrange(key, 0, limit - 1)
        pipe.get(version_key(key))
        try:
            size, head, version = await pipe.execute()
        except ResponseError as exc:
            if "WRONGTYPE" in str(exc):
                raise InvalidStateError(
                    f"key {key!r} holds a value that is not a string; {_EXPECTED}"
                ) from None
            raise
    return int(size), head, version


async def write(client: Redis, key: str, channel: str, state: MaintenanceState) -> int:
    """Store and announce ``state`` atomically; return its version.

    The announcement carries ``1`` or ``0`` whatever the state holds, so processes of an
    older version, which read it as a hint too, keep following.
    """
    ends = state.ends_at
    expire_at = "" if ends is None else str(int((ends.timestamp() + EXPIRY_MARGIN) * 1000))
    version = await client.eval(
        _WRITE,
        2,
        key,
        version_key(key),
        state.to_text(),
        channel,
        "1" if state.on else "0",
        expire_at,
    )
    return _version(version)


def parse_hint(data: object) -> int | None:
    """The version a message announces, or ``None`` if it is not the driver's announcement."""
    raw = data.encode() if isinstance(data, str) else data
    if not isinstance(raw, bytes) or len(raw) > 32:
        return None
    match = _ANNOUNCEMENT.fullmatch(raw)
    return int(match.group(1)) if match else None


def parse_state(raw: object, what: str) -> MaintenanceState:
    """A state read from Redis (bytes, or text from a client that decodes responses).

    ``InvalidStateError`` gives the length of what was found and why it is no state,
    never the content.
    """
    why = ""
    try:
        text = raw.decode() if isinstance(raw, bytes) else raw
        return MaintenanceState() if text is None else MaintenanceState.from_text(str(text))
    except UnicodeDecodeError:
        pass
    except ValueError as exc:
        if str(text).lstrip().startswith("{"):
            # What is wrong with a document; the model's reasons never quote it.
            why = f" ({str(exc).split('; expected', 1)[0]})"
    size = len(raw) if isinstance(raw, bytes | str) else 0
    raise InvalidStateError(
        f"{what} holds {size} bytes that are not a maintenance state{why}; {_EXPECTED}"
    ) from None


def _version(raw: object) -> int:
    try:
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        return int(text) if raw is not None and len(text) <= 20 else UNVERSIONED
    except (UnicodeDecodeError, ValueError):
        return UNVERSIONED
