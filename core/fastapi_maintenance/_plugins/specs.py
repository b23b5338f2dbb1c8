"""From a backend spec (a driver name or a URL) and driver options to a backend, in one place.

The middleware, ``configure_backend``, ``create_backend`` and the command line all come
through here: a spec is parsed once, its driver looked up once, and the options checked
once against the signature of the call that will receive them, before that call is made.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from .._model.backend import BaseStateBackend
from .._model.errors import BackendConfigError, BackendNotFoundError, BackendOptionsError
from .._support.redact import mask_spec, redact

_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://")

#: What every entry point taking a backend accepts, for the errors that say so.
ACCEPTED = (
    "a BaseStateBackend instance, a driver name such as 'file', "
    "or a URL such as 'file:///var/run/maintenance'"
)


class DriverLookup(Protocol):
    """The part of the registry a spec needs: driver classes by name, and the names."""

    def get(self, name: str) -> type[BaseStateBackend]: ...

    def names(self) -> list[str]: ...


def parse_spec(spec: str) -> tuple[str, bool]:
    """Split a backend spec into the driver name and whether it is a URL (``scheme://...``).

    URL schemes are case-insensitive, so a URL's driver name is lowercased.
    """
    match = _URL.match(spec)
    if match is None:
        return spec, False
    return match.group("scheme").lower(), True


@dataclass(frozen=True)
class Options:
    """The keyword options a driver's constructor (or ``from_url``) takes, from its signature."""

    #: Options the call names explicitly.
    named: frozenset[str]
    #: Named options without a default.
    required: frozenset[str]
    #: The call also takes any other keyword (``**options``): unknown ones cannot be told.
    open_ended: bool


@dataclass(frozen=True)
class Spec:
    """A parsed spec and the driver class it names."""

    text: str
    name: str
    is_url: bool
    driver: type[BaseStateBackend]

    def options(self) -> Options:
        """What the driver takes in this form.

        A URL names the location itself: nothing is required then, and the keywords of the
        constructor are accepted next to those ``from_url`` names when it passes the rest on.
        """
        if not self.is_url:
            return _options_of(self.driver, skip=0)
        url_form = _options_of(self.driver.from_url, skip=1)
        if not url_form.open_ended:
            return Options(url_form.named, frozenset(), False)
        built = _options_of(self.driver, skip=0)
        return Options(url_form.named | built.named, frozenset(), built.open_ended)

    def build(self, options: Mapping[str, Any]) -> BaseStateBackend:
        """The backend, once the options fit the driver's call; the driver's own errors pass."""
        factory: Callable[..., BaseStateBackend]
        args: tuple[str, ...]
        factory, args = (self.driver.from_url, (self.text,)) if self.is_url else (self.driver, ())
        self._check(factory, args, options)
        return factory(*args, **options)

    def _check(
        self,
        factory: Callable[..., BaseStateBackend],
        args: tuple[str, ...],
        options: Mapping[str, Any],
    ) -> None:
        accepts = self.options()
        unknown = set() if accepts.open_ended else set(options) - accepts.named
        missing = accepts.required - set(options)
        mismatch = None
        if not (unknown or missing):
            try:
                signature = inspect.signature(factory)
            except (TypeError, ValueError):  # no signature to check against: the driver checks
                return
            try:
                signature.bind(*args, **options)
                return
            except TypeError as exc:
                mismatch = str(exc)
        raise BackendOptionsError(self._options_message(accepts, unknown, missing, mismatch))

    def _options_message(
        self, accepts: Options, unknown: set[str], missing: frozenset[str], mismatch: str | None
    ) -> str:
        """The one message for options that do not fit, listing what the driver accepts."""
        driver = f"the {self.name} driver"
        if unknown:
            problem = f"{driver} does not take {_listed('option', unknown)}"
        elif missing:
            url = f" (or a {self.name}:// URL)" if self.driver.supports_url() else ""
            problem = f"{driver} needs {_listed('option', missing)}{url}"
        else:
            problem = f"{driver} cannot be built with these options ({mismatch})"
        accepted = ", ".join(sorted(accepts.named)) or "none"
        if accepts.open_ended:
            accepted += ", and others it passes on"
        return f"{problem}; accepted: {accepted}"


def find_driver(drivers: DriverLookup, spec: object) -> Spec:
    """Parse ``spec`` and look its driver up; the errors name what is accepted or available."""
    if not isinstance(spec, str):
        raise BackendOptionsError(
            f"a backend spec must be a driver name or a URL, got {_shown(spec)}; "
            f"expected {ACCEPTED}"
        )
    text = spec.strip()
    if not text:
        raise BackendConfigError(
            f"a backend spec must be a driver name or a URL, got {spec!r}; "
            f"available names: {', '.join(drivers.names()) or 'none'}"
        )
    name, is_url = parse_spec(text)
    if not is_url:
        try:
            return Spec(text, name, False, drivers.get(name))
        except BackendNotFoundError:
            # The text may be a mistyped URL holding a password: never shown as typed.
            shown = mask_spec(text)
            hint = "; a URL starts with its scheme and ://" if shown != text else ""
            raise BackendNotFoundError(
                f"unknown backend {shown!r}{hint}; "
                f"available: {', '.join(drivers.names()) or 'none'}"
            ) from None
    try:
        driver = drivers.get(name)
    except BackendNotFoundError:
        raise BackendNotFoundError(
            f"no backend handles URL scheme {name!r} in {mask_spec(text)!r}; "
            f"available: {', '.join(drivers.names()) or 'none'}"
        ) from None
    if not driver.supports_url():
        raise BackendConfigError(f"backend {name!r} cannot be configured from a URL")
    _check_authority(text)
    return Spec(text, name, True, driver)


def build_backend(
    drivers: DriverLookup, spec: object, options: Mapping[str, Any] | None = None
) -> BaseStateBackend:
    """A backend from a driver name plus options (``"file", file_path=...``) or a URL."""
    return find_driver(drivers, spec).build(options or {})


def backend_from(
    drivers: DriverLookup, backend: object, options: Mapping[str, Any] | None = None
) -> BaseStateBackend:
    """``backend`` itself if it is a backend, else the backend its spec names."""
    if isinstance(backend, BaseStateBackend):
        if options:
            raise BackendOptionsError(
                f"backend options ({', '.join(sorted(options))}) only apply to a driver name "
                f"or a URL, not to the backend instance {backend.describe()}"
            )
        return backend
    if isinstance(backend, str):
        return build_backend(drivers, backend, options)
    raise not_a_spec(backend)


def not_a_spec(backend: object) -> BackendOptionsError:
    """The error for a backend argument that is neither a backend nor a spec."""
    return BackendOptionsError(f"expected {ACCEPTED} as the backend, got {_shown(backend)}")


def _check_authority(url: str) -> None:
    """Refuse a URL whose credentials were cut short by an unencoded ``#``, ``?`` or ``/``.

    ``redis://user:pa#ss@host`` reads as host ``user`` with port ``pa``: a driver would go to
    the wrong place, and its errors would show part of the password.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # the driver says what is wrong with it
        return
    try:
        parts.port  # noqa: B018 - parsing the port is the check
        return
    except ValueError:
        pass
    rest = url.partition("://")[2][len(parts.netloc) :]
    if "@" in rest and "@" not in parts.netloc:
        raise BackendConfigError(
            f"cannot tell the host of {mask_spec(url)!r}: a user name or password holding "
            "'#', '?' or '/' must be percent-encoded (%23, %3F, %2F)"
        )


def _options_of(call: Callable[..., Any], *, skip: int) -> Options:
    """The keyword options of ``call``, past its first ``skip`` parameters."""
    try:
        params = list(inspect.signature(call).parameters.values())[skip:]
    except (TypeError, ValueError):
        return Options(frozenset(), frozenset(), True)
    named = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    required = {p.name for p in params if p.name in named and p.default is p.empty}
    open_ended = any(p.kind is p.VAR_KEYWORD for p in params)
    return Options(frozenset(named), frozenset(required), open_ended)


def _listed(word: str, names: set[str] | frozenset[str]) -> str:
    return f"{word}{'s' if len(names) > 1 else ''} {', '.join(sorted(names))}"


def _shown(value: object) -> str:
    """A short description of a value of the wrong type, credentials masked."""
    text = repr(value)
    if len(text) > 60:
        text = f"{text[:57]}..."
    return f"{type(value).__name__} {redact(text)}"
