"""Driver options given on the command line: ``key=value`` parsing and checks against a driver."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ._backend import BaseStateBackend
from ._errors import BackendConfigError

#: Options that have a dedicated flag, kept from fastapi-maintenance 0.0.5.
FLAGS = {"var_name": "--var-name", "file_path": "--file-path"}


def parse_option(text: str) -> tuple[str, str]:
    """Split one ``key=value`` at its first ``=``; the key must be a Python identifier.

    The value is kept as given (it may be empty or hold more ``=``); drivers accept strings.
    """
    key, sep, value = text.partition("=")
    if not sep:
        raise ValueError(f"expected key=value, e.g. check_interval=2; got {text!r}")
    if not key.isidentifier():
        raise ValueError(
            f"expected key=value with a key made of letters, digits and underscores "
            f"(not starting with a digit), e.g. check_interval=2; got {text!r}"
        )
    return key, value


def parse_options(texts: Iterable[str]) -> dict[str, str]:
    """Parse repeated ``--option key=value``; a key given twice is an error, not an override."""
    options: dict[str, str] = {}
    for text in texts:
        key, value = parse_option(text)
        if key in options:
            raise ValueError(f"option {key!r} is given twice")
        options[key] = value
    return options


def merge_flags(options: Mapping[str, str], flags: Mapping[str, str | None]) -> dict[str, str]:
    """Add the dedicated flags that were given to the ``--option`` pairs."""
    merged = dict(options)
    for key, value in flags.items():
        if value is None:
            continue
        if key in merged:
            raise ValueError(f"{key} is given both as {FLAGS[key]} and as --option {key}=...")
        merged[key] = value
    return merged


@dataclass(frozen=True)
class DriverOptions:
    """The keyword options a driver takes, read from its signature."""

    #: ``None`` when the driver takes arbitrary keywords, so nothing can be checked.
    accepted: frozenset[str] | None
    required: frozenset[str]
    supports_url: bool


def _keywords(signature: inspect.Signature) -> tuple[set[str], set[str], bool]:
    named, required, open_ended = set(), set(), False
    for param in signature.parameters.values():
        if param.kind is param.VAR_KEYWORD:
            open_ended = True
        elif param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            named.add(param.name)
            if param.default is param.empty:
                required.add(param.name)
    return named, required, open_ended


def driver_options(cls: type[BaseStateBackend], *, from_url: bool) -> DriverOptions:
    """What ``cls(**options)`` accepts, or with ``from_url``, ``cls.from_url(url, **options)``.

    A URL names the location itself, so nothing is required then, and the keywords
    ``from_url`` declares are accepted on top of the constructor's.
    """
    try:
        named, required, open_ended = _keywords(inspect.signature(cls))
        if from_url:
            extra, _, _ = _keywords(inspect.signature(cls.from_url))
            named |= extra - {"url"}
    except (TypeError, ValueError):
        return DriverOptions(None, frozenset(), cls.supports_url())
    if from_url:
        required = set()
    accepted = None if open_ended else frozenset(named)
    return DriverOptions(accepted, frozenset(required), cls.supports_url())


def check_options(name: str, accepts: DriverOptions, options: Mapping[str, str]) -> None:
    """Refuse options the driver does not take and name the ones it needs but lacks."""
    if accepts.accepted is not None:
        unknown = sorted(set(options) - accepts.accepted)
        if unknown:
            given = ", ".join(_spelled(key) for key in unknown)
            raise BackendConfigError(
                f"{given} does not apply to the {name} driver; it accepts: "
                f"{', '.join(map(_spelled, sorted(accepts.accepted))) or 'no options'}"
            )
    missing = sorted(accepts.required - set(options))
    if missing:
        wanted = ", ".join(_spelled(key) for key in missing)
        url = f", or a {name}:// URL" if accepts.supports_url else ""
        raise BackendConfigError(f"the {name} driver needs {wanted}{url}")


def check_url_options(url: str, options: Mapping[str, str]) -> None:
    """Refuse the location flags next to a URL, which names the location itself."""
    given = [FLAGS[key] for key in sorted(options) if key in FLAGS]
    if given:
        raise BackendConfigError(
            f"{', '.join(given)} cannot be combined with the URL {url!r}, which already names "
            "the location; put it in the URL or give a driver name to --backend instead"
        )


def _spelled(key: str) -> str:
    """How an option is written on the command line."""
    return FLAGS.get(key) or f"--option {key}=..."
