"""Letting the right people through during maintenance: exempt paths, client address ranges
and a signed token (in a header, a link or a cookie).

Only asked about requests that would otherwise get the maintenance response; the app never
sees the token: a header or cookie that let a request through is removed from the scope,
and the POST the maintenance page makes for a link (the token after ``#``) is answered here
with the cookie.
"""

from __future__ import annotations

import enum
import logging
import os
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
from .._model.model import MaintenanceState
from .._model.paths import PathPatterns
from .._support.environ import listed, setting, variable_of
from .._support.logonce import Problems
from .link_script import LINK_SCOPE_KEY
from .tokens import COOKIE, SECRET_ENV, TOKEN, Signer, secrets_from

__all__ = ["Admission", "Bypass", "admit", "bypass_from"]

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


class Admission(enum.Enum):
    """What the bypass rules made of a request that would be blocked."""

    BLOCKED = enum.auto()  #: no rule applies: the maintenance response as usual
    THROUGH = enum.auto()  #: let through to the app


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


async def admit(
    bypass: Bypass | None,
    stored: MaintenanceState | None,
    scope: Any,
    send: Send,
    path: str,
) -> Admission:
    """``Bypass.admit`` with the allow-lists of a stored state on top of the static ones;
    without static rules, only the stored lists apply (no proxy is trusted)."""
    return await (bypass or _STORED_ONLY).admit(scope, send, path, stored)


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

    async def admit(
        self, scope: Any, send: Send, path: str, stored: MaintenanceState | None = None
    ) -> Admission:
        """Let a request through, answer it with the cookie redirect, or leave it blocked.

        ``stored`` is the state read from the backend: its ``allow_paths`` and ``allow_ips``
        are asked where the static ``exempt_paths`` and ``allow_ips`` are. A failure in here
        blocks the request (never a 500, never an open door), logged once.
        """
        try:
            return await self._admit(scope, send, path, stored)
        except Exception as exc:
            # Neither the message nor the traceback: they could quote a token.
            self._problems.report(
                f"bypass:{type(exc).__name__}",
                "the bypass rules failed on a request (%s at %s); it is treated as not let through",
                type(exc).__name__,
                _where(exc),
            )
            return Admission.BLOCKED

    async def _admit(
        self, scope: Any, send: Send, path: str, stored: MaintenanceState | None
    ) -> Admission:
        # Cheapest first; the order changes nothing of what passes.
        if self.paths:
            pattern = self.paths.match(path)
            if pattern is not None:
                _through(scope, path, "exempt path %s", pattern)
                return Admission.THROUGH
        stored_paths = stored.allowed_paths if stored is not None else None
        if stored_paths is not None:
            pattern = stored_paths.match(path)
            if pattern is not None:
                _through(scope, path, "the stored allow_paths %s", pattern)
                return Admission.THROUGH
        signer = self.signer
        if signer is not None and self._by_header(scope, signer):
            _through(scope, path, "the bypass header")
            return Admission.THROUGH
        stored_ips = stored.allowed_networks if stored is not None else None
        if self.allow or stored_ips is not None:
            client = self.clients.client(scope)
            if client is not None:
                network = self.allow.match(client) if self.allow else None
                if network is not None:
                    _through(scope, path, "allow_ips %s (client %s)", network, client)
                    return Admission.THROUGH
                network = stored_ips.match(client) if stored_ips is not None else None
                if network is not None:
                    _through(scope, path, "the stored allow_ips %s (client %s)", network, client)
                    return Admission.THROUGH
        if signer is None:
            return Admission.BLOCKED
        if self._by_cookie(scope, signer):
            _through(scope, path, "the bypass cookie")
            return Admission.THROUGH
        if scope["type"] == "http":
            # The maintenance page's script reads the link's token after '#' (see responses).
            scope[LINK_SCOPE_KEY] = self.query_param_name
            query = scope.get("query_string")
            if query and logger.isEnabledFor(logging.DEBUG) and self._in_query.search(query):
                logger.debug(
                    "maintenance bypass: a token was given in the query string, where it is "
                    "not accepted (a link carries it after '#'); not let through"
                )
        return Admission.BLOCKED

    # the header and the cookie -------------------------------------------------------

    def _by_header(self, scope: Any, signer: Signer) -> bool:
        headers = scope.get("headers", ())
        name = self.header
        for key, value in headers:
            if key == name and _valid(signer, value, TOKEN, "bypass header"):
                scope["headers"] = [(k, v) for k, v in headers if k != name]
                return True
        return False

    def _by_cookie(self, scope: Any, signer: Signer) -> bool:
        """Whether one of the first ``MAX_COOKIES`` cookies of the bypass cookie's name
        is valid; if so, every cookie of that name is removed from the request."""
        headers = scope.get("headers", ())
        looked_at = 0
        valid = False
        checked: set[bytes] = set()  # a value sent again is not checked again
        for key, header in headers:
            if key != b"cookie":
                continue
            for value in self._cookie_values(header):
                looked_at += 1
                if value is not None and value not in checked:
                    checked.add(value)
                    if _valid(signer, value, COOKIE, "bypass cookie"):
                        valid = True
                        break
                if looked_at == MAX_COOKIES:
                    break
            if valid or looked_at == MAX_COOKIES:
                break
        if not valid:
            return False
        kept = []
        for key, header in headers:
            if key == b"cookie":
                header = self._cookie_pair.sub(b"", header).strip(b"; \t")
                if not header:
                    continue
            kept.append((key, header))
        scope["headers"] = kept
        return True

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
                    left = _valid(signer, token, TOKEN, "bypass link")
        except Exception as exc:
            self._problems.report(
                f"link:{type(exc).__name__}",
                "the bypass link failed on a request (%s at %s); it is treated as not let through",
                type(exc).__name__,
                _where(exc),
            )
            return False
        if not left:
            return False
        await self._set_cookie(scope, send, left)
        _through(scope, path, "the bypass link (answered with the cookie)")
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
_STORED_ONLY = Bypass(
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


def _valid(signer: Signer, value: bytes, purpose: bytes, kind: str) -> int:
    """Seconds left of a valid value, else 0 (the reason is logged, never the value)."""
    checked = signer.verify(value.strip(), purpose)
    if isinstance(checked, str):
        logger.debug("maintenance bypass: a %s was given but is %s; not let through", kind, checked)
        return 0
    return checked


def _where(exc: BaseException) -> str:
    """``file:line`` of the innermost frame an exception went through."""
    trace = exc.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    if trace is None:
        return "an unknown place"
    return f"{os.path.basename(trace.tb_frame.f_code.co_filename)}:{trace.tb_lineno}"


def _through(scope: Any, path: str, rule: str, *args: object) -> None:
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
