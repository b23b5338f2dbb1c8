"""The ``env`` driver: maintenance mode read from an environment variable."""

from __future__ import annotations

import logging
import os
from typing import Any, ClassVar
from urllib.parse import urlsplit

from .._model.backend import BaseStateBackend
from .._model.errors import BackendConfigError
from .._model.model import OFF, MaintenanceState, state_of
from .._model.values import FALSY, TRUTHY, parse_bool

logger = logging.getLogger("fastapi_maintenance")

DEFAULT_VAR_NAME = "FASTAPI_MAINTENANCE_MODE"
#: The words (trimmed, any case) that switch maintenance on in read-only mode.
READ_ONLY_WORDS = frozenset({"read-only", "readonly", "read_only"})
#: The state those words mean: reads pass, writes get 503.
READ_ONLY = MaintenanceState(on=True, read_only=True)
_ACCEPTED = (
    f"expected one of {', '.join(sorted(TRUTHY))} (on), "
    f"{', '.join(sorted(READ_ONLY_WORDS))} (on, read-only) or "
    f"{', '.join(sorted(FALSY))} or nothing (off)"
)


#: How many distinct invalid values a backend remembers having warned about.
_MAX_WARNED = 64
_UNKNOWN = object()
#: ``os.environ`` keeps the encoded environment in a dict; ``os.environ.get`` raises and
#: catches a KeyError for a missing variable, which made up most of a request's cost.
_ENVIRON_DATA = getattr(os.environ, "_data", None)
_ENCODE_KEY = getattr(os.environ, "encodekey", None)


def _key_of(name: str) -> object:
    """The key ``os.environ`` keeps a variable under; ``_UNKNOWN`` where it cannot be read
    directly."""
    return _ENCODE_KEY(name) if callable(_ENCODE_KEY) else _UNKNOWN


def _stored(key: object) -> object:
    """The variable's stored value object, the same object while it is unchanged.

    ``_UNKNOWN`` where ``os.environ`` does not keep its values in a dict.
    """
    data = _ENVIRON_DATA
    if key is _UNKNOWN or type(data) is not dict:
        return _UNKNOWN
    return data.get(key)


def parse_env_state(raw: str) -> MaintenanceState:
    """The state a variable's value means; ``ValueError`` for anything else."""
    if raw.strip().lower() in READ_ONLY_WORDS:
        return READ_ONLY
    return state_of(parse_bool(raw))


class EnvVarBackend(BaseStateBackend):
    """Read-only: the state is the value of ``var_name`` (default ``FASTAPI_MAINTENANCE_MODE``).

    ``1 yes y true t on`` mean on, ``read-only`` (or ``readonly``, ``read_only``) means on
    in read-only mode (reads pass, writes get 503), ``0 no n false f off`` or empty mean
    off (trimmed, case-insensitive). Any other value counts as off, for requests and
    one-shot reads alike, as in fastapi-maintenance 0.0.5, and logs a warning naming the
    variable, once per distinct value. ``env://MY_VAR`` selects the variable by URL.
    """

    read_only: ClassVar[bool] = True

    def __init__(self, var_name: str | None = None) -> None:
        self.var_name = var_name
        #: The last value read and what it meant; an invalid value is warned about once.
        self._last_raw = ""
        self._last_state = OFF
        self._last_value = False
        self._last_stored: object = None
        #: The invalid values already warned about (at most ``_MAX_WARNED``).
        self._warned: set[str] = set()
        #: The variable read, and the key ``os.environ`` keeps it under.
        self._keyed: tuple[str, object] = ("", _UNKNOWN)

    @property
    def _var_name(self) -> str:
        return self.var_name or DEFAULT_VAR_NAME

    @classmethod
    def from_url(cls, url: str, **options: Any) -> EnvVarBackend:
        parts = urlsplit(url)
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise BackendConfigError(
                f"an env URL names only the variable, as env://VAR_NAME; got {url!r}"
            )
        var_name = options.pop("var_name", None)
        if options:
            raise BackendConfigError(
                f"unknown option(s) {', '.join(sorted(options))} for {url!r}; accepted: var_name"
            )
        if parts.netloc and var_name and var_name != parts.netloc:
            raise BackendConfigError(
                f"{url!r} names variable {parts.netloc!r} but var_name is {var_name!r}"
            )
        return cls(var_name=parts.netloc or var_name)

    def cached_value(self) -> bool:
        """Whether the variable switches maintenance on; only a changed value is parsed."""
        stored = _stored(self._key())
        if stored is self._last_stored and stored is not _UNKNOWN:
            return self._last_value
        return self._reread(stored).on

    def cached_state(self) -> MaintenanceState:
        """The state the variable means now, read-only included; the same object while
        the value is unchanged."""
        stored = _stored(self._key())
        if stored is self._last_stored and stored is not _UNKNOWN:
            return self._last_state
        return self._reread(stored)

    def _key(self) -> object:
        """The key of the variable in ``os.environ``, encoded once per name."""
        name = self.var_name or DEFAULT_VAR_NAME
        keyed = self._keyed
        if keyed[0] != name:
            keyed = self._keyed = (name, _key_of(name))
        return keyed[1]

    def _reread(self, stored: object) -> MaintenanceState:
        self._last_stored = stored
        return self._meaning(os.environ.get(self.var_name or DEFAULT_VAR_NAME, ""))

    def _meaning(self, raw: str) -> MaintenanceState:
        """The state ``raw`` means; an invalid value is off, and warned about once."""
        if raw == self._last_raw:
            return self._last_state
        try:
            state = parse_env_state(raw)
        except ValueError:
            if raw not in self._warned:
                if len(self._warned) >= _MAX_WARNED:
                    self._warned.clear()
                self._warned.add(raw)
                logger.warning("%s; maintenance mode counts as off", self._invalid(raw))
            state = OFF
        self._last_raw, self._last_state, self._last_value = raw, state, state.on
        return state

    async def get_state(self) -> MaintenanceState:
        """The state the variable means now; an invalid value is off, with a warning (once
        per value), as fastapi-maintenance 0.0.5's ``get_value()`` answered."""
        return self._meaning(os.environ.get(self._var_name, ""))

    async def get_value(self) -> bool:
        """Whether the variable switches maintenance on; an invalid value is off."""
        return (await self.get_state()).on

    def _invalid(self, raw: str) -> str:
        """Why ``raw`` is refused, without ``raw`` itself: a variable may hold anything."""
        return (
            f"environment variable {self._var_name} holds no valid state "
            f"({len(raw)} character{'' if len(raw) == 1 else 's'}; {_ACCEPTED})"
        )

    async def set_value(self, value: bool) -> None:
        """Change nothing and say why, in fastapi-maintenance 0.0.5's words."""
        logger.warning(
            "Cannot set maintenance mode state via environment variable %s. Environment "
            "variables are read-only during runtime. Set the variable before starting your "
            "application.",
            self._var_name,
        )

    def describe(self) -> str:
        return f"env: {self._var_name}"
