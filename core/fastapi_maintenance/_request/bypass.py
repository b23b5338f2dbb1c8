"""Letting the right people through during maintenance: exempt paths, client address ranges
and a signed token (in a header, a link or a cookie).

The rules themselves are steps of the decision (``decision``); this module holds what they
read and do: the options, the token header and cookie found in a request, the token removed
from a request it let through (the app never sees it), and the answer to the POST the
maintenance page makes for a link (the token after ``#``): the cookie.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from starlette.requests import ClientDisconnect
from starlette.types import Receive, Send

from .._model.clients import (
    DEFAULT_FORWARDED_HEADER,
    ClientAddresses,
    ForwardedHeader,
    Networks,
    forwarded_header,
)
from .._model.paths import PathPatterns
from .._support.environ import listed, setting, variable_of
from .._support.logonce import Problems, where_raised
from .tokens import COOKIE, SECRET_ENV, TOKEN, Signer, secrets_from

__all__ = ["STORED_ONLY", "Bypass", "bypass_from", "log_through", "valid"]

logger = logging.getLogger("fastapi_maintenance")

DEFAULT_HEADER = "X-Maintenance-Bypass"
DEFAULT_QUERY_PARAM = "maintenance_bypass"
DEFAULT_COOKIE = "maintenance_bypass"
#: Cookies of the bypass cookie's name looked at, at most: a browser sends one, or a few
#: (set for several paths); so many more cannot make a request dear.
MAX_COOKIES = 16
#: How much of each ``Cookie`` header is searched for the bypass cookie: more than browsers
#: send (and than nginx's default header buffers pass), so junk beyond it costs nothing.
COOKIE_SCAN_BYTES = 8192
#: The largest body the link's POST may have: its form holds one token (about 80 bytes).
MAX_LINK_BODY = 1024
#: Blanks looked back over from a cookie's name for the ';' before it.
_LOOK_BACK = 64
_TOKEN_CHARS = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def bypass_from(
    exempt_paths: Iterable[str] | None,
    allow_ips: Iterable[str] | None,
    trusted_proxies: Iterable[str] | None,
    bypass_secret: str | Sequence[str] | None,
    bypass_header: str | None,
    bypass_query_param: str | None,
    bypass_cookie: str | None,
    forwarded_header: str | None = None,
) -> Bypass | None:
    """The configured rules, each option falling back to its environment variable;
    ``None`` when there are none, so that a request costs nothing more than before.

    ``trusted_proxies`` alone is kept: allow-lists stored in the state need it.
    """
    paths = PathPatterns(*listed(exempt_paths, "exempt_paths"))
    allow = Networks(*listed(allow_ips, "allow_ips"))
    trusted = Networks(*listed(trusted_proxies, "trusted_proxies"))
    header = _forwarded_header_from(forwarded_header, trusted)
    secrets = secrets_from(bypass_secret)
    options = {
        "bypass_header": bypass_header,
        "bypass_query_param": bypass_query_param,
        "bypass_cookie": bypass_cookie,
    }
    names: dict[str, str | None] = {}
    given: list[str] = []  # where each name came from: the option, or its variable
    for option, value in options.items():
        variable = variable_of(option)
        names[option] = value if value is not None else setting(variable)
        if names[option] is not None:
            given.append(option if value is not None else variable)
    if given and not secrets:
        raise ValueError(
            f"{', '.join(given)} given without a bypass secret; set bypass_secret or "
            f"{SECRET_ENV} too, or leave {' and '.join(given)} out"
        )
    if not (paths or allow or secrets or trusted):
        return None
    return Bypass(
        paths,
        allow,
        ClientAddresses(trusted, header),
        Signer(secrets) if secrets else None,
        header=_checked(names["bypass_header"], DEFAULT_HEADER, "bypass_header"),
        query_param=_checked(names["bypass_query_param"], DEFAULT_QUERY_PARAM, "query"),
        cookie=_checked(names["bypass_cookie"], DEFAULT_COOKIE, "bypass_cookie"),
    )


def _forwarded_header_from(given: str | None, trusted: Networks) -> ForwardedHeader:
    """The header the trusted proxies write: the option, else its variable, else
    ``X-Forwarded-For``. Naming one without any trusted proxy is refused: it would be
    read from nobody."""
    variable = variable_of("forwarded_header")
    value = given if given is not None else setting(variable)
    if value is None:
        return DEFAULT_FORWARDED_HEADER
    where = "forwarded_header" if given is not None else variable
    header = forwarded_header(value, where)
    if not trusted:
        raise ValueError(
            f"{where} given without trusted_proxies; it names the header the trusted proxies "
            f"write, so set trusted_proxies or {variable_of('trusted_proxies')} too, or leave "
            f"{where} out"
        )
    return header


def _checked(given: str | None, default: str, option: str) -> str:
    name = default if given is None else given
    if option == "query":
        if not isinstance(name, str) or not name or any(c in name for c in "&=#"):
            raise ValueError(
                f"bypass_query_param: {name!r} is not a query parameter name (non-empty, "
                "without '&', '=' or '#')"
            )
        return name
    if not isinstance(name, str) or not _TOKEN_CHARS.fullmatch(name):
        raise ValueError(
            f"{option}: {name!r} is not a valid name; letters, digits and !#$%&'*+.^_`|~- only"
        )
    return name


class Bypass:
    """The bypass rules, asked cheapest first: exempt paths, the header token, client ranges,
    the link, the cookie (the order changes nothing of what passes)."""

    def __init__(
        self,
        paths: PathPatterns,
        allow: Networks,
        clients: ClientAddresses,
        signer: Signer | None,
        *,
        header: str,
        query_param: str,
        cookie: str,
    ) -> None:
        self.paths = paths
        self.allow = allow
        self.clients = clients
        self.signer = signer
        self.header = header.lower().encode("latin-1")
        self.query_param_name = query_param
        self.query_param = query_param.encode()
        self.cookie = cookie.encode("latin-1")
        #: The queries of the link's POST: the name as JavaScript's encodeURIComponent
        #: writes it, and as it is.
        encoded = quote(query_param, safe="-_.!~*'()").encode("ascii")
        self._link_queries = frozenset({encoded, self.query_param})
        names = b"|".join(re.escape(name) for name in sorted(self._link_queries))
        #: A token in the query string, as links carried it before; only logged.
        self._in_query = re.compile(b"(?:^|&)(?:" + names + b")=")
        name = re.escape(self.cookie)
        #: Starting with the name, so finding it is a fast search for a literal.
        self._cookie_value = re.compile(name + rb"[ \t]*=([^;]*)")
        self._cookie_pair = re.compile(rb"(?:^|;)[ \t]*" + name + rb"[ \t]*(?:=[^;]*)?(?=;|$)")
        self._problems = Problems()

    # what a request carries -----------------------------------------------------------

    def header_values(self, scope: Any) -> list[bytes]:
        """The values of the bypass header."""
        name = self.header
        return [value for key, value in scope.get("headers", ()) if key == name]

    def cookie_values(self, scope: Any) -> Iterator[bytes | None]:
        """The values of the first ``MAX_COOKIES`` occurrences of the bypass cookie's name
        in the ``Cookie`` headers (``None`` where it is not a cookie's name)."""
        looked_at = 0
        for key, header in scope.get("headers", ()):
            if key != b"cookie":
                continue
            for value in self._cookie_values(header):
                yield value
                looked_at += 1
                if looked_at == MAX_COOKIES:
                    return

    # what is done with it --------------------------------------------------------------

    def strip_header(self, scope: Any) -> None:
        """Remove the bypass header from a request it let through."""
        name = self.header
        scope["headers"] = [(k, v) for k, v in scope.get("headers", ()) if k != name]

    def strip_cookie(self, scope: Any) -> None:
        """Remove every cookie of the bypass cookie's name from a request it let through."""
        kept = []
        for key, header in scope.get("headers", ()):
            if key == b"cookie":
                header = self._cookie_pair.sub(b"", header).strip(b"; \t")
                if not header:
                    continue
            kept.append((key, header))
        scope["headers"] = kept

    def note_query_token(self, scope: Any) -> None:
        """Log (debug) a token given in the query string, as links carried it before."""
        query = scope.get("query_string")
        if query and logger.isEnabledFor(logging.DEBUG) and self._in_query.search(query):
            logger.debug(
                "maintenance bypass: a token was given in the query string, where it is "
                "not accepted (a link carries it after '#'); not let through"
            )

    def _cookie_values(self, header: bytes) -> Iterator[bytes | None]:
        """Each occurrence of the bypass cookie's name in one ``Cookie`` header: the value of
        the cookie it names, or ``None`` where it is not a cookie's name. Found by searching
        for the name, within the header's first ``COOKIE_SCAN_BYTES``, so other cookies
        cost nothing but the search."""
        for found in self._cookie_value.finditer(header, 0, COOKIE_SCAN_BYTES):
            start = found.start()
            before = header[max(start - _LOOK_BACK, 0) : start].rstrip(b" \t")
            if not (before.endswith(b";") if before else start <= _LOOK_BACK):
                yield None
                continue
            value = found.group(1).strip(b" \t")
            if len(value) >= 2 and value[:1] == b'"' and value[-1:] == b'"':
                value = value[1:-1]
            yield value

    # the link ------------------------------------------------------------------------

    def is_link_post(self, scope: Any) -> bool:
        """Whether a request is the POST the maintenance page's script makes for a link:
        ``?maintenance_bypass`` (the name alone) as its query."""
        return (
            self.signer is not None
            and scope["type"] == "http"
            and scope.get("method") == "POST"
            and scope.get("query_string") in self._link_queries
        )

    async def answer_link(self, scope: Any, receive: Receive, send: Send, path: str) -> bool:
        """Answer the link's POST with ``204`` setting the bypass cookie, if its body holds a
        valid token; ``False``, having sent nothing, if it does not (the body is read, up to
        ``MAX_LINK_BODY`` bytes, either way)."""
        signer = self.signer
        if signer is None:
            return False
        try:
            body = await _bounded_body(scope, receive)
            left = 0
            if body is not None and not _cross_site(scope):
                token = _form_value(body, self.query_param)
                if token is not None:
                    left = valid(signer, token, TOKEN, "bypass link")
        except Exception as exc:
            self._problems.report(
                f"link:{type(exc).__name__}",
                "the bypass link failed on a request (%s at %s); it is treated as not let through",
                type(exc).__name__,
                where_raised(exc),
            )
            return False
        if not left:
            return False
        await self._set_cookie(scope, send, left)
        log_through(scope, path, "the bypass link (answered with the cookie)")
        return True

    async def _set_cookie(self, scope: Any, send: Send, left: int) -> None:
        """``204 No Content`` setting the bypass cookie for the token's remaining life."""
        assert self.signer is not None
        expiry_cookie = self.signer.sign(_now() + left, COOKIE)
        attributes = [
            f"{self.cookie.decode('latin-1')}={expiry_cookie}",
            f"Max-Age={left}",
            f"Path={quote(scope.get('root_path') or '') or '/'}",
            "HttpOnly",
            "SameSite=Lax",
        ]
        if self.clients.is_https(scope):
            attributes.append("Secure")
        headers = [
            (b"set-cookie", "; ".join(attributes).encode("latin-1")),
            (b"cache-control", b"no-store"),
            (b"referrer-policy", b"no-referrer"),
        ]
        try:
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
        except (OSError, ClientDisconnect):
            logger.debug("the client left before the bypass cookie was sent")


#: The rules for an app without static ones: the stored lists alone, no proxy trusted.
STORED_ONLY = Bypass(
    PathPatterns((), "exempt_paths"),
    Networks((), "allow_ips"),
    ClientAddresses(Networks((), "trusted_proxies")),
    None,
    header=DEFAULT_HEADER,
    query_param=DEFAULT_QUERY_PARAM,
    cookie=DEFAULT_COOKIE,
)


def _now() -> int:
    return int(time.time())


def valid(signer: Signer, value: bytes, purpose: bytes, kind: str) -> int:
    """Seconds left of a valid value, else 0 (the reason is logged, never the value)."""
    checked = signer.verify(value.strip(), purpose)
    if isinstance(checked, str):
        logger.debug("maintenance bypass: a %s was given but is %s; not let through", kind, checked)
        return 0
    return checked


def log_through(scope: Any, path: str, rule: str, *args: object) -> None:
    """Log (debug) which rule let a request through."""
    logger.debug(
        "maintenance bypass: %s %s let through by " + rule,
        scope.get("method", "WEBSOCKET"),
        path,
        *args,
    )


async def _bounded_body(scope: Any, receive: Receive) -> bytes | None:
    """The request's body if it is at most ``MAX_LINK_BODY`` bytes, else ``None`` (read
    no further than that)."""
    for key, value in scope.get("headers", ()):
        if key == b"content-length" and (not value.isdigit() or int(value) > MAX_LINK_BODY):
            return None
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += bytes(message.get("body", b""))
        if len(body) > MAX_LINK_BODY:
            return None
        if not message.get("more_body", False):
            return body


def _cross_site(scope: Any) -> bool:
    """Whether the browser says another site made the request (``Sec-Fetch-Site``)."""
    for key, value in scope.get("headers", ()):
        if key == b"sec-fetch-site":
            return value not in (b"same-origin", b"none")
    return False


def _form_value(body: bytes, name: bytes) -> bytes | None:
    """The first value of ``name`` in a form-encoded body."""
    for part in body.split(b"&"):
        key, equals, value = part.partition(b"=")
        if equals and _unquote(key) == name:
            return _unquote(value)
    return None


def _unquote(text: bytes) -> bytes:
    return unquote_to_bytes(text.replace(b"+", b" "))
