"""An in-memory state driver for fastapi-maintenance, kept as a template for plugin authors."""

from .memory import MemoryBackend

__all__ = ["MemoryBackend"]
