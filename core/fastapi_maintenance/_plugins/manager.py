"""Plugins through pluggy: the plugin manager, listener plugins, and telling them of a switch."""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

import pluggy

from .. import hookspecs
from .._model.model import MaintenanceState, state_of

if TYPE_CHECKING:
    from .._model.backend import BaseStateBackend
    from .registry import BackendRegistry

#: A ``maintenance_request_blocked`` implementation, with the plugin it belongs to.
BlockedHook = tuple[Callable[..., Any], object, tuple[str, ...]]

#: Plugins that implement other hooks (listeners of ``maintenance_mode_changed``, say).
PLUGIN_ENTRY_POINT_GROUP = "fastapi_maintenance.plugins"

logger = logging.getLogger("fastapi_maintenance")


def plugin_name(plugin: object) -> str:
    """What logs call a plugin registered without a name: its module's or class's name."""
    name = getattr(plugin, "__name__", None)
    if isinstance(name, str):
        return name
    cls = type(plugin)
    return f"{cls.__module__}.{cls.__qualname__}"


class Plugins:
    """The process's pluggy plugin manager, wired to the driver registry.

    A plugin's ``register_backends`` hook registers its drivers into ``registry``, and the
    registry hands modules named by its entry points back to ``add``.
    """

    def __init__(self, registry: BackendRegistry) -> None:
        self.manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.manager.add_hookspecs(hookspecs)
        self._registry = registry
        self._names: dict[int, str] = {}
        self._registering = "a register_backends hook"
        self._listeners_loaded = False
        #: The ``maintenance_request_blocked`` implementations, ``None`` until looked up;
        #: forgotten whenever a plugin is registered.
        self.blocked_hooks: tuple[BlockedHook, ...] | None = None
        self._blocked_failed: set[int] = set()
        #: The last state announced for each backend (by ``id()``), with the backend.
        self._announced: dict[int, tuple[BaseStateBackend, MaintenanceState]] = {}
        registry.load_plugin = self.add
        self.manager.hook.register_backends.call_historic(kwargs={"register": self._register})

    def _register(self, name: str, cls: type[BaseStateBackend]) -> None:
        self._registry.register_from_hook(name, cls, self._registering)

    def add(self, plugin: object, name: str | None = None) -> None:
        """Register a pluggy plugin (a module or object with hook implementations)."""
        if self.manager.is_registered(plugin):
            return
        shown = name or plugin_name(plugin)
        self._registering = shown
        try:
            self.manager.register(plugin, name=name)
        except BaseException:
            # A plugin whose hook failed is not half-registered: the next attempt fails alike.
            if self.manager.is_registered(plugin):
                self.manager.unregister(plugin)
            raise
        finally:
            self._registering = "a register_backends hook"
            self.blocked_hooks = None
        self._names[id(plugin)] = shown

    def notify_changed(
        self,
        value: bool,
        backend: BaseStateBackend,
        state: MaintenanceState | None = None,
        previous: MaintenanceState | None = None,
    ) -> None:
        """Fire ``maintenance_mode_changed``; a failing hook is logged, never raised.

        Each implementation is called on its own, in pluggy's order, so one that raises does
        not keep the others from hearing of the change.
        """
        if not self._listeners_loaded:
            self._load_listener_plugins()
        arguments = {
            "value": value,
            "backend": backend,
            "state": state if state is not None else state_of(value),
            "previous": previous,
        }
        for impl in reversed(self.manager.hook.maintenance_mode_changed.get_hookimpls()):
            try:
                impl.function(**{name: arguments[name] for name in impl.argnames})
            except Exception:
                logger.exception(
                    "the maintenance_mode_changed hook of plugin %r raised",
                    self._names.get(id(impl.plugin)) or plugin_name(impl.plugin),
                )

    def announced(self, backend: BaseStateBackend) -> MaintenanceState | None:
        """The state last announced for ``backend`` in this process, if any."""
        entry = self._announced.get(id(backend))
        return entry[1] if entry is not None and entry[0] is backend else None

    def written(
        self,
        backend: BaseStateBackend,
        new: MaintenanceState,
        before: MaintenanceState | None = None,
    ) -> None:
        """This process wrote ``new`` to ``backend``: announce it, with ``before`` (the state
        served before the write, if known) or else the state last announced as previous."""
        previous = before or self.announced(backend)
        self._announced[id(backend)] = (backend, new)
        self.notify_changed(new.on, backend, new, previous)

    def pushed(self, backend: BaseStateBackend, new: MaintenanceState | bool) -> None:
        """A driver pushed a change of ``backend`` (maybe this process's own write): announce
        it unless it is the state already announced. A pushed bool tells only on or off."""
        previous = self.announced(backend)
        if previous is not None and (
            previous == new if isinstance(new, MaintenanceState) else previous.on == bool(new)
        ):
            return
        state = new if isinstance(new, MaintenanceState) else state_of(bool(new))
        self._announced[id(backend)] = (backend, state)
        self.notify_changed(state.on, backend, state, previous)

    def seen(self, backend: BaseStateBackend, current: MaintenanceState) -> None:
        """Note the state ``backend`` had when this process started following it."""
        if self.announced(backend) is None:
            self._announced[id(backend)] = (backend, current)

    # blocked requests ------------------------------------------------------------------

    def find_blocked_hooks(self) -> tuple[BlockedHook, ...]:
        """Look up the ``maintenance_request_blocked`` implementations, and remember them.

        The middleware asks once, on the first blocked request, and again only after a
        plugin was registered; the listener plugins of the entry points are loaded first.
        """
        if not self._listeners_loaded:
            self._load_listener_plugins()
        impls = self.manager.hook.maintenance_request_blocked.get_hookimpls()
        hooks = tuple((i.function, i.plugin, tuple(i.argnames)) for i in reversed(impls))
        self.blocked_hooks = hooks
        return hooks

    def notify_blocked(self, scope: MutableMapping[str, Any], state: MaintenanceState) -> None:
        """Fire ``maintenance_request_blocked``; a failing hook is logged once per plugin."""
        hooks = self.blocked_hooks
        if hooks is None:
            hooks = self.find_blocked_hooks()
        arguments = {"scope": scope, "state": state}
        for function, plugin, names in hooks:
            try:
                function(**{name: arguments[name] for name in names})
            except Exception:
                if id(plugin) not in self._blocked_failed:
                    self._blocked_failed.add(id(plugin))
                    logger.exception(
                        "the maintenance_request_blocked hook of plugin %r raised (logged "
                        "once; later failures of this plugin are not logged)",
                        self._names.get(id(plugin)) or plugin_name(plugin),
                    )

    def _load_listener_plugins(self) -> None:
        """Register the ``fastapi_maintenance.plugins`` entry points, once, on the first change.

        Deferred until then so that importing the package and serving requests load nothing.
        A plugin that fails to load (whatever it raises) is logged and left out; the others
        still hear the change.
        """
        self._listeners_loaded = True
        for ep in entry_points(group=PLUGIN_ENTRY_POINT_GROUP):
            dist = ep.dist.metadata["Name"] if ep.dist is not None else None
            try:
                self.add(ep.load(), name=f"{ep.name} ({dist or ep.value})")
            except Exception:
                logger.exception(
                    "cannot load plugin %r (%s) of %s; it will not hear of changes",
                    ep.name,
                    ep.value,
                    dist or "an unknown distribution",
                )
