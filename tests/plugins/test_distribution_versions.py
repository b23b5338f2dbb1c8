"""The distributions of the repository agree on versions and on what they require of each other."""

from __future__ import annotations

from importlib.metadata import requires, version

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

CORE = "fastapi-maintenance"
REDIS = "fastapi-maintenance-redis"


def _requirement(distribution: str, name: str, extra: str | None = None) -> Requirement:
    for line in requires(distribution) or []:
        requirement = Requirement(line)
        in_extra = requirement.marker is not None and requirement.marker.evaluate(
            {"extra": extra or ""}
        )
        if requirement.name == name and (extra is None or in_extra):
            return requirement
    pytest.fail(f"{distribution} does not require {name}" + (f" in [{extra}]" if extra else ""))


def test_the_core_and_the_redis_distribution_share_one_version() -> None:
    assert version(CORE) == version(REDIS)


def test_the_redis_distribution_requires_a_core_that_admits_this_one() -> None:
    assert _requirement(REDIS, CORE).specifier.contains(Version(version(CORE)))


def test_the_core_redis_extra_admits_this_redis_distribution_and_no_older_series() -> None:
    specifier = _requirement(CORE, REDIS, extra="redis").specifier
    assert specifier.contains(Version(version(REDIS)))
    assert not specifier.contains(Version("0.0.5"))
