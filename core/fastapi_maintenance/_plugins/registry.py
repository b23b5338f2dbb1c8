"""Map driver names to driver classes, found through entry points and loaded when first used."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from .._model.backend import BaseStateBackend
from .._model.errors import BackendConfigError, BackendLoadError, BackendNotFoundError

ENTRY_POINT_GROUP = "fastapi_maintenance.backends"

#: Distributions of this project: the names they ship are never taken over by another one.
FIRST_PARTY = frozenset(
    {"fastapi-maintenance", "fastapi-maintenance-redis", "fastapi-maintenance-sql"}
)

logger = logging.getLogger("fastapi_maintenance")

_IN_PROCESS = "registered in-process"


class BackendNameConflictWarning(UserWarning):
    """Two sources offer a driver under the same name; the warning says which one wins."""


@dataclass(frozen=True)
class BackendInfo:
    """What the registry knows about one driver name, loaded or not."""

    name: str
    source: str
    distribution: str | None = None
    version: str | None = None
    error: str | None = None


def _dist_of(ep: EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version


def _first_party(ep: EntryPoint) -> bool:
    name = _dist_of(ep)[0]
    return name is not None and re.sub(r"[-_.]+", "-", name).lower() in FIRST_PARTY


def _conflict(message: str) -> None:
    """Report a name collision as a warning and in the log, which production keeps."""
    logger.warning("%s", message)
    warnings.warn(message, BackendNameConflictWarning, stacklevel=4)


class BackendRegistry:
    """Maps driver names to driver classes.

    A name is looked up, in order, among the classes registered in-process with
    ``register``, those registered by a plugin's ``register_backends`` hook, then the
    entry points. A name that a first-party distribution ships as an entry point is the
    exception: only ``register`` with ``replace=True`` replaces it. Every collision is
    reported with ``BackendNameConflictWarning`` and logged.
    """

    def __init__(self) -> None:
        self._registered: dict[str, type[BaseStateBackend]] = {}
        #: Classes registered by plugin hooks, with the plugin that registered each.
        self._hooked: dict[str, tuple[type[BaseStateBackend], str]] = {}
        self._entry_points: dict[str, EntryPoint] | None = None
        self._loaded: dict[str, type[BaseStateBackend]] = {}
        #: Registers a plugin module named by an entry point; set by the plugin manager.
        self.load_plugin: Callable[[object, str], None] | None = None

    # entry points --------------------------------------------------------------------

    def _discovered(self) -> dict[str, EntryPoint]:
        if self._entry_points is None:
            found: dict[str, EntryPoint] = {}
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                kept = found.get(ep.name)
                if kept is None:
                    found[ep.name] = ep
                elif kept.value != ep.value:
                    found[ep.name] = _pick(ep.name, kept, ep)
            self._entry_points = found
        return self._entry_points

    def _load(self, name: str) -> type[BaseStateBackend] | None:
        """Import the entry point offering ``name``; a failure of any kind is a load error."""
        ep = self._discovered().get(name)
        if ep is None:
            return None
        dist = _dist_of(ep)[0]
        where = f"entry point {name!r} = {ep.value!r}" + (f" of {dist}" if dist else "")
        try:
            target = ep.load()
        except Exception as exc:
            raise BackendLoadError(
                f"cannot load backend {name!r} ({where}): {type(exc).__name__}: {exc}"
            ) from exc
        if isinstance(target, type) and issubclass(target, BaseStateBackend):
            self._loaded[name] = target
            return target
        if isinstance(target, type):
            message = f"{target.__qualname__} is not a BaseStateBackend subclass"
        else:
            assert self.load_plugin is not None, "the registry is used without a plugin manager"
            try:
                self.load_plugin(target, f"entry point {ep.value}")
            except Exception as exc:
                message = f"registering its plugin failed: {type(exc).__name__}: {exc}"
                raise BackendLoadError(
                    f"cannot load backend {name!r} ({where}): {message}"
                ) from exc
            if name in self._hooked:
                return self._hooked[name][0]
            message = "the plugin's register_backends hook did not register this name"
        raise BackendLoadError(f"cannot load backend {name!r} ({where}): {message}")

    def _protected(self, name: str) -> EntryPoint | None:
        """The entry point of a first-party distribution offering ``name``, if there is one."""
        ep = self._discovered().get(name)
        return ep if ep is not None and _first_party(ep) else None

    def _source(self, name: str) -> str | None:
        """Where the class now answering to ``name`` comes from, without importing anything."""
        if name in self._registered:
            return _IN_PROCESS
        ep = self._discovered().get(name)
        if name in self._hooked and (ep is None or not _first_party(ep)):
            return self._hooked[name][1]
        return f"entry point {ep.value}" if ep is not None else None

    # registering ---------------------------------------------------------------------

    def register_from_hook(self, name: str, cls: type[BaseStateBackend], source: str) -> None:
        """Called by a plugin's ``register_backends`` hook through the plugin manager."""
        _check_class(name, cls)
        protected = self._protected(name)
        if protected is not None and source != f"entry point {protected.value}":
            _conflict(
                f"backend {name!r} registered by {source} is ignored: {name!r} is a driver of "
                f"{_dist_of(protected)[0]}, which only register_backend({name!r}, cls, "
                "replace=True) replaces"
            )
            return
        in_process = self._registered.get(name)
        if in_process is not None:
            if in_process is not cls:
                _conflict(
                    f"backend {name!r} registered by {source} is shadowed by the one "
                    "registered in-process"
                )
        else:
            replaced = self._source(name)
            if name in self._hooked and self._hooked[name][0] is cls:
                replaced = None
            if replaced is not None and replaced != source:
                _conflict(
                    f"backend {name!r} registered by {source} replaces the one from {replaced}"
                )
        self._hooked[name] = (cls, source)

    def register(self, name: str, cls: type[BaseStateBackend], *, replace: bool = False) -> None:
        """Make ``cls`` available as ``name`` in this process.

        Replacing another source's class warns unless ``replace=True``; a name shipped by a
        first-party distribution is replaced only with ``replace=True``.
        """
        _check_class(name, cls)
        if replace or self._registered.get(name) is cls:
            self._registered[name] = cls
            return
        protected = self._protected(name)
        if protected is not None and self.get(name) is not cls:
            raise BackendConfigError(
                f"backend {name!r} is a driver of {_dist_of(protected)[0]}; pass replace=True "
                "to replace it on purpose, or register your driver under another name"
            )
        replaced = self._source(name)
        if replaced is not None and self._known(name) is not cls:
            _conflict(f"backend {name!r} registered in-process replaces the one from {replaced}")
        self._registered[name] = cls

    def unregister(self, name: str) -> None:
        """Forget an in-process registration; what it hid (a hook's or entry point's) reappears."""
        self._registered.pop(name, None)

    # looking up ----------------------------------------------------------------------

    def names(self) -> list[str]:
        """Every available driver name, loaded or not, sorted."""
        return sorted(set(self._registered) | set(self._hooked) | set(self._discovered()))

    def _known(self, name: str) -> type[BaseStateBackend] | None:
        """The class answering to ``name`` among those known without importing anything."""
        cls = self._registered.get(name)
        if cls is not None:
            return cls
        hooked = self._hooked.get(name)
        if hooked is not None and self._protected(name) is None:
            return hooked[0]
        return self._loaded.get(name)

    def get(self, name: str) -> type[BaseStateBackend]:
        """The driver class registered as ``name``, importing its plugin if needed."""
        cls = self._known(name) or self._load(name)
        if cls is None:
            raise BackendNotFoundError(
                f"unknown backend {name!r}; available: {', '.join(self.names()) or 'none'}"
            )
        return cls

    def info(self) -> list[BackendInfo]:
        """Describe every driver, trying to load each so broken ones say why."""
        result = []
        discovered = self._discovered()
        for name in self.names():
            error = None
            try:
                self.get(name)
            except BackendLoadError as exc:
                error = str(exc)
            source = self._source(name) or "?"
            ep = discovered.get(name)
            dist, version = (None, None)
            if ep is not None and source.startswith("entry point"):
                dist, version = _dist_of(ep)
            result.append(BackendInfo(name, source, dist, version, error))
        return result


def _pick(name: str, kept: EntryPoint, other: EntryPoint) -> EntryPoint:
    """Of two entry points offering ``name``, the one that answers to it, the collision logged.

    A first-party distribution's entry point wins; between others, the first on ``sys.path``.
    """
    offered = (
        f"backend {name!r} is offered by {_dist_of(kept)[0]} ({kept.value}) "
        f"and by {_dist_of(other)[0]} ({other.value})"
    )
    if _first_party(other) and not _first_party(kept):
        _conflict(
            f"{offered}; using {_dist_of(other)[0]}'s, a first-party driver that only "
            f"register_backend({name!r}, cls, replace=True) replaces"
        )
        return other
    _conflict(f"{offered}; using the first found on sys.path, {_dist_of(kept)[0]}'s")
    return kept


def _check_class(name: str, cls: Any) -> None:
    if not isinstance(name, str) or not name:
        raise BackendConfigError(f"a backend name must be a non-empty string, got {name!r}")
    if not (isinstance(cls, type) and issubclass(cls, BaseStateBackend)):
        raise BackendConfigError(
            f"backend {name!r} must be a BaseStateBackend subclass, got {cls!r}"
        )
