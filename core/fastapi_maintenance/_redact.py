"""Hide the credentials of backend URLs in any text that is shown or logged."""

from __future__ import annotations

import re

#: ``scheme://userinfo@``: the userinfo runs to the last ``@`` before white space, so a
#: password holding an unencoded ``@``, ``/``, ``?``, ``#`` or ``:`` is hidden whole.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>\S*)@")
#: Query parameters that carry a secret (redis-py, SQLAlchemy and libpq accept some).
_SECRET_PARAM = re.compile(
    r"(?P<name>[?&;](?:password|passwd|pass|pwd|secret|token|auth|api_key|sslpassword)=)"
    r"(?P<value>[^&;\s#'\"]*)",
    re.IGNORECASE,
)
MASK = "***"


def _hide_userinfo(match: re.Match[str]) -> str:
    userinfo = match.group("userinfo")
    user, colon, _ = userinfo.partition(":")
    # ``user:password@``: keep the user; a lone ``secret@`` may be a password, so hide it.
    kept = f"{user}:{MASK}" if colon else MASK
    return f"{match.group('scheme')}{kept}@"


def redact(text: str) -> str:
    """``text`` with the password of every URL in it, and secret query values, masked.

    >>> redact("cannot reach redis://app:s3cret@cache:6379/0?password=x")
    'cannot reach redis://app:***@cache:6379/0?password=***'
    """
    text = _USERINFO.sub(_hide_userinfo, text)
    return _SECRET_PARAM.sub(lambda m: f"{m.group('name')}{MASK}", text)
