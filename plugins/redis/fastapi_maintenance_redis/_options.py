"""The driver's settings: parsed from keyword arguments or a URL, checked once, up front."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit

from redis.asyncio import Redis
from redis.asyncio.connection import URL_QUERY_ARGUMENT_PARSERS, ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, RedisError

from fastapi_maintenance import BackendConfigError
from fastapi_maintenance.backends import redact_spec
from fastapi_maintenance.remote import option_flag, option_text, printable

DEFAULT_URL = "redis://127.0.0.1:6379/0"
DEFAULT_KEY = "fastapi_maintenance:state"
#: Seconds between two full re-reads of the key, and the longest reconnection delay.
DEFAULT_RESYNC_INTERVAL = 5.0
#: Seconds any single Redis call, and the start-up read, may take.
DEFAULT_TIMEOUT = 1.0

SCHEMES = ("redis", "rediss", "unix")
#: The driver's own options; every other URL query parameter goes to redis-py.
DRIVER_OPTIONS = ("key", "channel", "assume", "resync_interval", "timeout")
#: ``scheme://userinfo@``, the userinfo running to the last ``@`` (as ``redact_spec`` reads it).
_USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://(\S*)@")


@dataclass(frozen=True)
class RedisOptions:
    """Everything the driver needs to know, validated."""

    key: str = DEFAULT_KEY
    channel: str = f"{DEFAULT_KEY}:changes"
    assume: bool = False
    resync_interval: float = DEFAULT_RESYNC_INTERVAL
    timeout: float = DEFAULT_TIMEOUT
    #: ``None`` when the application hands over its own client.
    url: str | None = DEFAULT_URL
    #: Keyword arguments for ``redis.asyncio.Redis.from_url``.
    redis_kwargs: dict[str, Any] = field(default_factory=dict)

    def new_client(self) -> Redis:
        """A client of our own, with the driver's timeouts unless the URL or options set them."""
        assert self.url is not None
        kwargs = {
            "socket_timeout": self.timeout,
            "socket_connect_timeout": self.timeout,
            # A pooled connection that died while Redis was away is retried at once, on a
            # new connection; the driver's own reconnection loop does the rest, with backoff.
            # redis-py before 6 retries only errors listed in retry_on_error, and only with
            # the asyncio Retry: the synchronous one never catches a coroutine's error.
            "retry": Retry(NoBackoff(), retries=1),
            "retry_on_error": [ConnectionError],
            **self.redis_kwargs,
        }
        return Redis.from_url(self.url, **kwargs)


def build_options(
    url: str | None,
    *,
    client: object | None,
    key: object,
    channel: object,
    assume: object,
    resync_interval: object,
    timeout: object,
    redis_kwargs: dict[str, Any],
) -> RedisOptions:
    """Check every option; the error says what was wrong and what is accepted."""
    if client is not None:
        if url is not None:
            raise BackendConfigError("give the redis driver a url or a client, not both")
        if not isinstance(client, Redis):
            raise BackendConfigError(
                "client must be a redis.asyncio.Redis instance (the asyncio client), "
                f"got {type(client).__module__}.{type(client).__qualname__}"
            )
        if redis_kwargs:
            raise BackendConfigError(
                f"redis connection option(s) {', '.join(sorted(redis_kwargs))} only apply "
                "when the driver creates its own client; configure the client you pass instead"
            )
    key_text = option_text("key", key)
    parsed = _redis_kwargs(redis_kwargs)
    return RedisOptions(
        key=key_text,
        channel=f"{key_text}:changes" if channel is None else option_text("channel", channel),
        assume=option_flag("assume", assume),
        resync_interval=_seconds("resync_interval", resync_interval),
        timeout=_seconds("timeout", timeout),
        url=None if client is not None else _checked_url(url or DEFAULT_URL, parsed),
        redis_kwargs=parsed,
    )


def split_url(url: str) -> tuple[str, dict[str, str]]:
    """Take the driver's own options out of a URL's query; the rest stays for redis-py."""
    parts = urlsplit(url)
    ours: dict[str, str] = {}
    theirs: list[tuple[str, str]] = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name in DRIVER_OPTIONS:
            ours[name] = value
        else:
            theirs.append((name, value))
    return _join(parts._replace(query=urlencode(theirs))), ours


def redacted(url: str) -> str:
    """The URL without its password, and without its query (which may carry one too)."""
    parts = urlsplit(redact_spec(url))
    return _join(parts._replace(query="", fragment=""))


def _join(parts: SplitResult) -> str:
    """``urlunsplit`` that keeps the ``//`` of ``unix:///path`` (whose host is empty)."""
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return f"{parts.scheme}://{parts.netloc}{parts.path}{query}{fragment}"


def _seconds(option: str, value: object) -> float:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seconds = float("nan")
    if not (0 < seconds < float("inf")) or isinstance(value, bool):
        raise BackendConfigError(f"{option} must be a number of seconds > 0, got {value!r}")
    return seconds


def _redis_kwargs(options: dict[str, Any]) -> dict[str, Any]:
    """Options that came in as strings (CLI ``--option k=v``) get redis-py's URL parsing."""
    parsed = dict(options)
    for name, value in options.items():
        parser = URL_QUERY_ARGUMENT_PARSERS.get(name)
        if parser is not None and isinstance(value, str):
            try:
                parsed[name] = parser(value)
            except (TypeError, ValueError) as exc:
                raise BackendConfigError(f"invalid value {value!r} for {name}: {exc}") from None
    return parsed


def _checked_url(url: str, options: dict[str, Any]) -> str:
    """Let redis-py parse the URL and build (never connect) one connection, to fail early."""
    if not isinstance(url, str):
        raise BackendConfigError(f"url must be a string, got {url!r}")
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES:
        raise BackendConfigError(
            f"a Redis URL starts with {', '.join(s + '://' for s in SCHEMES)}; "
            f"got {redacted(url)!r}"
        )
    _check_database(url, options)
    try:
        ConnectionPool.from_url(url, **options).make_connection()  # type: ignore[no-untyped-call]
    except (TypeError, ValueError, RedisError) as exc:
        given = sorted({name for name, _ in parse_qsl(urlsplit(url).query)} | set(options))
        theirs = sorted(set(URL_QUERY_ARGUMENT_PARSERS) - set(DRIVER_OPTIONS))
        raise BackendConfigError(
            f"redis-py refuses the connection to {redacted(url)!r} with options "
            f"{', '.join(given) or 'none'}: {_without_secrets(str(exc), url).rstrip('.')}. "
            "The driver's own options are "
            f"{', '.join(DRIVER_OPTIONS)}; redis-py's include {', '.join(theirs)}, "
            "username, password, client_name, ssl_ca_certs"
        ) from None
    return url


def _without_secrets(text: str, url: str) -> str:
    """``text`` (from redis-py, or a piece of ``url``) without any piece of ``url``'s password.

    A password with an unencoded ``/``, ``#``, ``?`` or ``@`` is cut apart by URL parsing,
    and its pieces would otherwise show up as a port, a path or a database.
    """
    userinfo = _USERINFO.match(url)
    if userinfo is not None:
        name, colon, password = userinfo.group(1).partition(":")
        secret = password if colon else name
        pieces = {secret, unquote(secret), *re.split(r"[/#?@:]", secret)}
        for piece in sorted(pieces, key=len, reverse=True):
            if len(piece) >= 3:
                text = text.replace(piece, "***")
    return printable(text)


def _check_database(url: str, options: dict[str, Any]) -> None:
    """A database is a whole number; redis-py would quietly use 0 for ``/notadb``."""
    parts = urlsplit(url)
    given = [f"?db={value}" for name, value in parse_qsl(parts.query) if name == "db"]
    if parts.scheme.lower() != "unix" and parts.path not in ("", "/"):
        given.append(parts.path)
    if "db" in options and not isinstance(options["db"], int):
        given.append(f"db={options['db']!r}")
    for text in given:
        number = text.lstrip("/").removeprefix("?db=")
        if not (number.isascii() and number.isdigit()):
            raise BackendConfigError(
                "the Redis database must be a whole number, got "
                f"{_without_secrets(text, url)!r} in "
                f"{redacted(url)!r}; write it as redis://host:6379/0, "
                "rediss://host:6380/2 or unix:///path/to/redis.sock?db=0"
            )
