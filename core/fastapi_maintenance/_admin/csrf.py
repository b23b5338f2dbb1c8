"""The admin page's form tokens: a random value in a cookie, and in the form an HMAC of it.

A double submit alone (the cookie equals the form field) trusts whoever can set the cookie,
and any subdomain of the site can set it. Here the form field is an HMAC-SHA256 of the
cookie's value under a key only the server holds, so a planted cookie is useless without a
matching field that only the server can make.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from .._request.tokens import MIN_SECRET_BYTES
from .._support.environ import setting

__all__ = ["CSRF_SECRET_ENV", "FormTokens"]

#: The environment variable read for the key when ``admin_router(csrf_secret=...)`` is not given.
CSRF_SECRET_ENV = "FASTAPI_MAINTENANCE_CSRF_SECRET"
_PURPOSE = b"fastapi-maintenance admin form token\0"
_MAKE_ONE = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
#: The cookie values taken as they are; others are replaced by a fresh one.
_MIN_COOKIE, _MAX_COOKIE = 32, 128


class FormTokens:
    """Makes the cookie values and the form tokens that go with them, and checks pairs."""

    #: Whether the key was given, so that every process given the same one accepts the tokens.
    shared: bool

    def __init__(self, secret: str | None = None) -> None:
        """The key is ``secret``, else ``FASTAPI_MAINTENANCE_CSRF_SECRET``, else random bytes
        drawn now, which only this process knows. Refuses a key under 32 bytes."""
        if secret is None:
            secret = setting(CSRF_SECRET_ENV)
            where = CSRF_SECRET_ENV
        else:
            where = "admin_router(csrf_secret=...)"
        if secret is None:
            self._key, self.shared = secrets.token_bytes(MIN_SECRET_BYTES), False
            return
        if not isinstance(secret, str):
            raise TypeError(f"{where} must be a string, got {type(secret).__name__}")
        size = len(secret.encode())
        if size < MIN_SECRET_BYTES:
            raise ValueError(
                f"{where} is {size} bytes long; the key of the admin page's form tokens must "
                f"be at least {MIN_SECRET_BYTES} bytes ({_MAKE_ONE})"
            )
        self._key, self.shared = secret.encode(), True

    def __repr__(self) -> str:
        return f"<FormTokens with a {'given' if self.shared else 'per-process'} key>"

    @staticmethod
    def cookie(current: str | None = None) -> str:
        """``current`` if it looks like a value this class makes, else a fresh random one."""
        if current is not None and _MIN_COOKIE <= len(current) <= _MAX_COOKIE:
            return current
        return secrets.token_urlsafe(32)

    def token(self, cookie: str) -> str:
        """The form token that goes with ``cookie``."""
        digest = hmac.digest(self._key, _PURPOSE + cookie.encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def match(self, cookie: str | None, sent: str | None) -> bool:
        """Whether ``sent`` is the token of ``cookie``; compared in constant time."""
        if cookie is None or sent is None or not _MIN_COOKIE <= len(cookie) <= _MAX_COOKIE:
            return False
        return hmac.compare_digest(self.token(cookie).encode(), sent.encode())
