"""Find state drivers through entry points and pluggy, loading each only when it is used."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from . import hookspecs
from ._backend import BaseStateBackend
from ._errors import BackendConfigError, BackendLoadError, BackendNotFoundError

ENTRY_POINT_GROUP = "fastapi_maintenance.backends"
#: Plugins that implement other hooks (listeners of ``maintenance_mode_changed``, say).
PLUGIN_ENTRY_POINT_GROUP = "fastapi_maintenance.plugins"

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


class BackendRegistry:
    """Maps driver names to backend classes.

    Precedence, from strongest: a class registered in-process with :meth:`register`,
    then a class registered by a loaded plugin's ``register_backends`` hook, then an
    entry point. When two entry points share a name, the first found on ``sys.path``
    wins. Every shadowing emits :class:`BackendNameConflictWarning`.
    """

    def __init__(self) -> None:
        self.plugin_manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.plugin_manager.add_hookspecs(hookspecs)
        self._classes: dict[str, type[BaseStateBackend]] = {}
        self._sources: dict[str, str] = {}
        self._entry_points: dict[str, EntryPoint] | None = None
        self._failures: dict[str, str] = {}
        #: What an in-process registration hides, restored when it is unregistered.
        self._shadowed: dict[str, tuple[type[BaseStateBackend], str]] = {}
        self._registering = "a register_backends hook"
        self._listeners_loaded = False
        self.plugin_manager.hook.register_backends.call_historic(
            kwargs={"register": self._hook_register}
        )

    # discovery -----------------------------------------------------------------------

    def _discovered(self) -> dict[str, EntryPoint]:
        if self._entry_points is None:
            found: dict[str, EntryPoint] = {}
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                kept = found.get(ep.name)
                if kept is None:
                    found[ep.name] = ep
                elif kept.value != ep.value:
                    warnings.warn(
                        f"backend {ep.name!r} is offered by {_dist_of(kept)[0]} ({kept.value}) "
                        f"and by {_dist_of(ep)[0]} ({ep.value}); using the first",
                        BackendNameConflictWarning,
                        stacklevel=3,
                    )
            self._entry_points = found
        return self._entry_points

    def _load(self, name: str) -> type[BaseStateBackend] | None:
        ep = self._discovered().get(name)
        if ep is None:
            return None
        dist, _ = _dist_of(ep)
        where = f"entry point {name!r} = {ep.value!r}" + (f" of {dist}" if dist else "")
        try:
            target = ep.load()
        except Exception as exc:
            self._failures[name] = f"{type(exc).__name__}: {exc}"
            raise BackendLoadError(
                f"cannot load backend {name!r} ({where}): {type(exc).__name__}: {exc}"
            ) from exc
        if isinstance(target, type) and issubclass(target, BaseStateBackend):
            self._store(name, target, f"entry point {ep.value}")
            return target
        if isinstance(target, type):
            message = f"{target.__qualname__} is not a BaseStateBackend subclass"
        else:
            try:
                self.add_plugin(target, name=f"entry point {ep.value}")
            except Exception as exc:
                message = f"registering its plugin failed: {type(exc).__name__}: {exc}"
                self._failures[name] = message
                raise BackendLoadError(
                    f"cannot load backend {name!r} ({where}): {message}"
                ) from exc
            if name in self._classes:
                return self._classes[name]
            message = "the plugin's register_backends hook did not register this name"
        self._failures[name] = message
        raise BackendLoadError(f"cannot load backend {name!r} ({where}): {message}")

    def _store(self, name: str, cls: type[BaseStateBackend], source: str) -> None:
        self._classes[name] = cls
        self._sources[name] = source
        self._failures.pop(name, None)

    # public --------------------------------------------------------------------------

    def add_plugin(self, plugin: object, name: str | None = None) -> None:
        """Register a pluggy plugin (a module or object with hook implementations)."""
        if self.plugin_manager.is_registered(plugin):
            return
        self._registering = name or str(getattr(plugin, "__name__", repr(plugin)))
        try:
            self.plugin_manager.register(plugin, name=name)
        except BaseException:
            # A plugin whose hook failed is not half-registered: the next attempt fails alike.
            if self.plugin_manager.is_registered(plugin):
                self.plugin_manager.unregister(plugin)
            raise
        finally:
            self._registering = "a register_backends hook"

    def _hook_register(self, name: str, cls: type[BaseStateBackend]) -> None:
        _check_class(name, cls)
        source = self._registering
        if self._sources.get(name) == _IN_PROCESS:
            if self._classes[name] is not cls:
                warnings.warn(
                    f"backend {name!r} registered by {source} is shadowed by the one "
                    "registered in-process",
                    BackendNameConflictWarning,
                    stacklevel=4,
                )
            self._shadowed[name] = (cls, source)
            return
        if name in self._classes:
            replaced = self._sources[name] if self._classes[name] is not cls else None
        else:
            ep = self._discovered().get(name)
            replaced = f"entry point {ep.value}" if ep is not None else None
        if replaced is not None and replaced != source:
            warnings.warn(
                f"backend {name!r} registered by {source} replaces the one from {replaced}",
                BackendNameConflictWarning,
                stacklevel=4,
            )
        self._store(name, cls, source)

    def register(self, name: str, cls: type[BaseStateBackend], *, replace: bool = False) -> None:
        """Make ``cls`` available as ``name`` in this process.

        Replacing an existing name (registered or discovered) warns unless ``replace=True``.
        """
        _check_class(name, cls)
        existing = self._classes.get(name)
        shadowed = existing is not None and existing is not cls
        if not shadowed and existing is None and name in self._discovered():
            shadowed = True
        if shadowed and not replace:
            warnings.warn(
                f"backend {name!r} registered in-process replaces the one from "
                f"{self._sources.get(name) or 'entry point ' + self._discovered()[name].value}",
                BackendNameConflictWarning,
                stacklevel=3,
            )
        if name in self._classes and self._sources[name] != _IN_PROCESS:
            self._shadowed[name] = (self._classes[name], self._sources[name])
        self._store(name, cls, _IN_PROCESS)

    def unregister(self, name: str) -> None:
        """Forget an in-process registration; what it hid (a hook's or entry point's) reappears."""
        if self._sources.get(name) != _IN_PROCESS:
            return
        del self._classes[name], self._sources[name]
        shadowed = self._shadowed.pop(name, None)
        if shadowed is not None:
            self._store(name, *shadowed)

    def names(self) -> list[str]:
        """Every available driver name, loaded or not, sorted."""
        return sorted(set(self._classes) | set(self._discovered()))

    def get(self, name: str) -> type[BaseStateBackend]:
        """The backend class registered as ``name``, importing its plugin if needed."""
        cls = self._classes.get(name) or self._load(name)
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
            ep = discovered.get(name)
            dist, version = _dist_of(ep) if ep is not None else (None, None)
            error = None
            try:
                self.get(name)
            except BackendLoadError as exc:
                error = str(exc)
            source = self._sources.get(name) or (f"entry point {ep.value}" if ep else "?")
            if name in self._sources and not self._sources[name].startswith("entry point"):
                dist, version = None, None
            result.append(BackendInfo(name, source, dist, version, error))
        return result

    def notify_changed(self, value: bool, backend: BaseStateBackend) -> None:
        """Fire ``maintenance_mode_changed``; a failing hook is logged, never raised.

        Each implementation is called on its own, in pluggy's order, so one that raises does
        not keep the others from hearing of the change.
        """
        if not self._listeners_loaded:
            self._load_listener_plugins()
        arguments = {"value": value, "backend": backend}
        for impl in reversed(self.plugin_manager.hook.maintenance_mode_changed.get_hookimpls()):
            try:
                impl.function(**{name: arguments[name] for name in impl.argnames})
            except Exception:
                logger.exception("the maintenance_mode_changed hook of %s raised", impl.plugin_name)

    def _load_listener_plugins(self) -> None:
        """Register the ``fastapi_maintenance.plugins`` entry points, once, on the first change.

        Deferred until then so that importing the package and serving requests load nothing.
        A plugin that fails to load is logged and left out; the others still hear the change.
        """
        self._listeners_loaded = True
        for ep in entry_points(group=PLUGIN_ENTRY_POINT_GROUP):
            dist = _dist_of(ep)[0]
            try:
                self.add_plugin(ep.load(), name=f"{ep.name} ({dist or ep.value})")
            except Exception:
                logger.exception(
                    "cannot load plugin %r (%s) of %s; it will not hear of changes",
                    ep.name,
                    ep.value,
                    dist or "an unknown distribution",
                )


def _check_class(name: str, cls: Any) -> None:
    if not isinstance(name, str) or not name:
        raise BackendConfigError(f"a backend name must be a non-empty string, got {name!r}")
    if not (isinstance(cls, type) and issubclass(cls, BaseStateBackend)):
        raise BackendConfigError(
            f"backend {name!r} must be a BaseStateBackend subclass, got {cls!r}"
        )
