"""Hide the credentials of backend URLs in any text that is shown or logged.

Where the credentials of a URL cannot be located with certainty (a mistyped ``redis:/``, a
URL without a scheme, a password holding white space), more is hidden, never less.
"""

from __future__ import annotations

import re

#: ``scheme://userinfo@``: the userinfo runs to the last ``@`` before white space, so a
#: password holding an unencoded ``@``, ``/``, ``?``, ``#`` or ``:`` is hidden whole.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>\S*)@")
#: A word of text, where a URL that is no ``scheme://`` URL may hide.
_WORD = re.compile(r"\S+")
#: What a word holding ``user:password@host`` keeps before its credentials: a leading quote
#: or bracket, an option name (``url=``), and a scheme followed by a slash (``redis:/``).
_LEAD = re.compile(
    r"[\"'(\[{<]*(?:[A-Za-z_][A-Za-z0-9_]*=)?(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*:(?P<slashes>/+))?"
)
#: Query parameters that carry a secret (redis-py, SQLAlchemy and libpq accept some).
_SECRET_PARAM = re.compile(
    r"(?P<name>[?&;](?:password|passwd|pass|pwd|secret|token|auth|api_key|sslpassword)=)"
    r"(?P<value>[^&;\s#'\"]*)",
    re.IGNORECASE,
)
#: ``scheme:`` and the slashes after it, at the start of a spec.
_SCHEME = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):(?P<slashes>/*)")
MASK = "***"


def _hide_userinfo(match: re.Match[str]) -> str:
    userinfo = match.group("userinfo")
    user, colon, _ = userinfo.partition(":")
    # ``user:password@``: keep the user; a lone ``secret@`` may be a password, so hide it.
    kept = f"{user}:{MASK}" if colon else MASK
    return f"{match.group('scheme')}{kept}@"


def _hide_bare_userinfo(match: re.Match[str]) -> str:
    """A word holding ``user:password@`` (or ``scheme:/secret@``) that is no ``scheme://``
    URL, all before its last ``@`` hidden but what ``_LEAD`` keeps."""
    word = match.group()
    at = word.rfind("@")
    if at < 0:
        return word
    head = word[:at]
    lead = _LEAD.match(head)
    assert lead is not None  # it matches the empty string
    scheme = lead.group("scheme")
    if lead.group("slashes") == "//":
        return word  # a URL: the scheme:// rule hides what is between it and the host
    rest = head[lead.end() :]
    if not rest or (scheme is None and ":" not in rest):
        return word  # ``user@host`` or an e-mail address: no password
    return f"{lead.group()}{MASK}{word[at:]}"


def redact(text: str) -> str:
    """``text`` with the password of every URL in it, and secret query values, masked.

    >>> redact("cannot reach redis://app:s3cret@cache:6379/0?password=x")
    'cannot reach redis://app:***@cache:6379/0?password=***'

    A word holding ``user:password@host`` that is no ``scheme://`` URL (a typo) has all
    before its host hidden, but for its scheme:

    >>> redact("unknown backend 'redis:/app:s3cret@cache'")
    "unknown backend 'redis:/***@cache'"
    """
    text = _WORD.sub(_hide_bare_userinfo, text)
    text = _USERINFO.sub(_hide_userinfo, text)
    return _SECRET_PARAM.sub(lambda m: f"{m.group('name')}{MASK}", text)


def mask_spec(spec: str) -> str:
    """A backend spec (a driver name or URL) as it may be shown, failing closed.

    A ``scheme://`` URL whose credentials are certainly where they seem (in the authority,
    no ``@`` after it, no white space) loses its password, as ``redact`` does. A spec
    holding an ``@`` elsewhere keeps only its scheme and what follows its last ``@`` (the
    host); without a scheme, it is masked whole.

    >>> mask_spec("redis:/app:s3cret@cache:6379")
    'redis:/***@cache:6379'
    >>> mask_spec("app:s3cret@cache:6379")
    '***'
    """
    if "@" not in spec:
        return redact(spec)
    scheme = _SCHEME.match(spec)
    if scheme is None or not scheme.group("slashes"):
        return MASK
    if scheme.group("slashes") == "//" and _certain(spec[scheme.end() :]):
        return redact(spec)
    host = spec.rpartition("@")[2]
    return f"{scheme.group('scheme')}:{scheme.group('slashes')}{MASK}@{redact(host)}"


def _certain(rest: str) -> bool:
    """Whether the ``@`` of what follows ``scheme://`` all end the authority's userinfo."""
    if any(ch.isspace() for ch in rest):
        return False
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    return "@" in authority and "@" not in rest[len(authority) :]
