"""Signed bypass tokens: an expiry and an HMAC-SHA256 of it, made with the standard library.

A token reads ``<expiry>.<signature>``: the expiry in Unix seconds, the signature in
unpadded URL-safe base64. Header/link tokens and cookies are signed for different purposes,
so one cannot stand in for the other. Every listed secret verifies; the first one signs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Sequence

from .._support.environ import setting

__all__ = [
    "COOKIE",
    "MIN_SECRET_BYTES",
    "SECRET_ENV",
    "TOKEN",
    "Signer",
    "secrets_from",
    "weakness",
]

#: The shortest secret accepted, in bytes of its UTF-8 encoding: 256 bits, HMAC-SHA256's size.
MIN_SECRET_BYTES = 32
SECRET_ENV = "FASTAPI_MAINTENANCE_BYPASS_SECRET"
TOKEN = b"fastapi-maintenance bypass token\0"
COOKIE = b"fastapi-maintenance bypass cookie\0"
_MAKE_ONE = 'make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
#: A secret repeating a sequence this short or shorter is refused ("password" * 4).
MAX_WEAK_PERIOD = 16
#: A secret of fewer distinct characters is refused ("a" * 32, "ab" * 20).
MIN_DISTINCT_CHARACTERS = 8
#: Longer values are not looked at: a token is about 55 bytes.
_MAX_LENGTH = 128
_SIGNATURE_LENGTH = 43  # 32 bytes in unpadded base64
_MAX_EXPIRY_DIGITS = 12
#: Expected signatures kept per expiry: a token is presented again and again.
_CACHED_EXPIRIES = 256


def secrets_from(secret: str | Sequence[str] | None, option: str = "bypass_secret") -> list[str]:
    """The secrets to use: the option if given, else ``FASTAPI_MAINTENANCE_BYPASS_SECRET``
    (several separated by commas); ``[]`` when neither is set (an empty variable is unset).

    Refuses an empty secret or list, secrets shorter than ``MIN_SECRET_BYTES``, and
    obviously weak ones (see ``weakness``), with a message that never shows a secret.
    """
    if secret is None:
        raw = setting(SECRET_ENV)
        if raw is None:
            return []
        where = SECRET_ENV
        found = [part.strip() for part in raw.split(",")]
    else:
        where = option
        found = [secret] if isinstance(secret, str) else list(secret)
    if not found or all(s == "" for s in found if isinstance(s, str)):
        raise ValueError(
            f"{where} is set but empty; give at least one secret of {MIN_SECRET_BYTES} bytes "
            f"or more ({_MAKE_ONE})"
        )
    for position, item in enumerate(found, 1):
        if not isinstance(item, str):
            raise TypeError(
                f"{where}: secret #{position} is a {type(item).__name__}; expected a string"
            )
        size = len(item.encode())
        if size < MIN_SECRET_BYTES:
            raise ValueError(
                f"{where}: secret #{position} of {len(found)} is {size} bytes long; a bypass "
                f"secret must be at least {MIN_SECRET_BYTES} bytes ({_MAKE_ONE})"
            )
        weak = weakness(item)
        if weak is not None:
            raise ValueError(
                f"{where}: secret #{position} of {len(found)} is too easy to guess: it {weak}; "
                f"use a random secret ({_MAKE_ONE})"
            )
    return found


def weakness(secret: str) -> str | None:
    """Why a secret is obviously guessable, or ``None``: it repeats a short sequence, or
    has very few distinct characters. A random secret never is (``token_urlsafe(32)``
    gives about 30 distinct characters; even ``token_hex(16)`` gives 10 or more)."""
    period = _period(secret)
    if period <= MAX_WEAK_PERIOD and period < len(secret):
        return f"repeats a sequence of {period} character(s)"
    distinct = len(set(secret))
    if distinct < MIN_DISTINCT_CHARACTERS:
        return (
            f"has only {distinct} distinct character(s) (at least "
            f"{MIN_DISTINCT_CHARACTERS} are needed)"
        )
    return None


def _period(text: str) -> int:
    """The length of the shortest sequence that ``text`` repeats (itself if none), in time
    linear in its length (the prefix function of Knuth, Morris and Pratt)."""
    border = [0] * len(text)
    for position in range(1, len(text)):
        length = border[position - 1]
        while length and text[position] != text[length]:
            length = border[length - 1]
        if text[position] == text[length]:
            length += 1
        border[position] = length
    return len(text) - border[-1] if text else 0


class Signer:
    """Signs with the first secret, verifies with every one, in constant time."""

    def __init__(self, secrets: Sequence[str]) -> None:
        if not secrets:
            raise ValueError("a Signer needs at least one secret")
        self._keys = [s.encode() for s in secrets]
        #: ``(purpose, expiry)`` -> the signature each key gives it. Neither part is secret,
        #: and what a client sends is still compared in constant time.
        self._expected: dict[tuple[bytes, bytes], list[bytes]] = {}

    def __repr__(self) -> str:
        return f"<Signer with {len(self._keys)} secret(s)>"

    def sign(self, expiry: int, purpose: bytes = TOKEN) -> str:
        """A value good until ``expiry`` (Unix seconds)."""
        return f"{expiry}.{_signature(self._keys[0], purpose, str(expiry).encode()).decode()}"

    def token(self, lifetime: float, now: float | None = None) -> str:
        """A bypass token good for ``lifetime`` seconds from ``now``."""
        start = time.time() if now is None else now
        return self.sign(int(start + lifetime))

    def verify(self, value: bytes, purpose: bytes = TOKEN, now: float | None = None) -> int | str:
        """Seconds of life left in a valid value; else why it is not valid (never the value)."""
        if len(value) > _MAX_LENGTH:
            return "too long"
        expiry_text, dot, signature = value.partition(b".")
        if (
            not dot
            or not expiry_text.isdigit()
            or len(expiry_text) > _MAX_EXPIRY_DIGITS
            or len(signature) != _SIGNATURE_LENGTH
        ):
            return "malformed"
        expected = self._expected.get((purpose, expiry_text))
        if expected is None:
            if len(self._expected) >= _CACHED_EXPIRIES:
                self._expected.clear()
            expected = [_signature(key, purpose, expiry_text) for key in self._keys]
            self._expected[purpose, expiry_text] = expected
        # Every key is tried, so the time taken does not say which one matched.
        valid = False
        for signed in expected:
            valid |= hmac.compare_digest(signed, signature)
        if not valid:
            return "wrongly signed"
        left = int(expiry_text) - int(time.time() if now is None else now)
        return left if left > 0 else "expired"


def _signature(key: bytes, purpose: bytes, expiry: bytes) -> bytes:
    digest = hmac.digest(key, purpose + expiry, hashlib.sha256)
    return base64.urlsafe_b64encode(digest).rstrip(b"=")
