"""Plugins through pluggy: the plugin manager, listener plugins, and telling them of a switch."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

import pluggy

from . import hookspecs

if TYPE_CHECKING:
    from ._backend import BaseStateBackend
    from ._registry import BackendRegistry

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
    registry hands modules named by its entry points back to :meth:`add`.
    """

    def __init__(self, registry: BackendRegistry) -> None:
        self.manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.manager.add_hookspecs(hookspecs)
        self._registry = registry
        self._names: dict[int, str] = {}
        self._registering = "a register_backends hook"
        self._listeners_loaded = False
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
        self._names[id(plugin)] = shown

    def notify_changed(self, value: bool, backend: BaseStateBackend) -> None:
        """Fire ``maintenance_mode_changed``; a failing hook is logged, never raised.

        Each implementation is called on its own, in pluggy's order, so one that raises does
        not keep the others from hearing of the change.
        """
        if not self._listeners_loaded:
            self._load_listener_plugins()
        arguments = {"value": value, "backend": backend}
        for impl in reversed(self.manager.hook.maintenance_mode_changed.get_hookimpls()):
            try:
                impl.function(**{name: arguments[name] for name in impl.argnames})
            except Exception:
                logger.exception(
                    "the maintenance_mode_changed hook of plugin %r raised",
                    self._names.get(id(impl.plugin)) or plugin_name(impl.plugin),
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
