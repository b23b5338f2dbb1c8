"""Keep Alembic's autogenerate from dropping the driver's table.

The table is not in the application's metadata, so ``alembic check`` fails and
``alembic revision --autogenerate`` writes ``op.drop_table('fastapi_maintenance')`` once it
exists. Give Alembic one of these filters in ``env.py``:

    from fastapi_maintenance_sql.alembic import include_name

    context.configure(connection=connection, target_metadata=target_metadata,
                      include_name=include_name)

This module does not import Alembic: the filters are plain functions of the arguments
Alembic passes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._options import DEFAULT_TABLE

__all__ = [
    "IncludeName",
    "IncludeObject",
    "include_name",
    "include_object",
    "name_filter",
    "object_filter",
]

#: Alembic's ``include_name(name, type_, parent_names)``.
IncludeName = Callable[[str | None, str, Mapping[str, str | None]], bool]
#: Alembic's ``include_object(object, name, type_, reflected, compare_to)``.
IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]


def name_filter(*tables: str, wrap: IncludeName | None = None) -> IncludeName:
    """An ``include_name`` leaving out the tables named (``fastapi_maintenance`` if none
    is), in any schema; every other name is ``wrap``'s to decide (kept without one)."""
    skipped = frozenset(tables or (DEFAULT_TABLE,))

    def include(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
        if type_ == "table" and name in skipped:
            return False
        return True if wrap is None else bool(wrap(name, type_, parent_names))

    return include


def object_filter(*tables: str, wrap: IncludeObject | None = None) -> IncludeObject:
    """An ``include_object`` leaving out the tables named (``fastapi_maintenance`` if none
    is), whether reflected from the database or in the metadata; every other object is
    ``wrap``'s to decide (kept without one)."""
    skipped = frozenset(tables or (DEFAULT_TABLE,))

    def include(
        object_: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if type_ == "table" and name in skipped:
            return False
        return True if wrap is None else bool(wrap(object_, name, type_, reflected, compare_to))

    return include


#: ``include_name`` leaving out the driver's table under its default name.
include_name: IncludeName = name_filter()
#: ``include_object`` leaving out the driver's table under its default name.
include_object: IncludeObject = object_filter()
