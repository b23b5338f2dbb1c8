"""Backend specs: a driver name (plus options) or a URL whose scheme names the driver."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fastapi_maintenance import (
    BackendConfigError,
    BackendNotFoundError,
    BaseStateBackend,
    reset_state,
)
from fastapi_maintenance.backends import available_backends, create_backend, register_backend


class Probe(BaseStateBackend):
    """A driver remembering how the registry built it."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.url: str | None = None
        self.value = False

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Probe:
        built = cls(**options)
        built.url = url
        return built

    async def get_value(self) -> bool:
        return self.value

    async def set_value(self, value: bool) -> None:
        self.value = value


class UrlLess(Probe):
    """The same driver without a URL form."""

    from_url = BaseStateBackend.from_url


schemes = st.from_regex(r"[a-z][a-z0-9+.\-]{0,15}", fullmatch=True)
padding = st.text(alphabet=" \t\r\n", max_size=3)
options = st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), st.integers(), max_size=3)
url_rests = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)


def _fresh(name: str, cls: type[BaseStateBackend] = Probe) -> None:
    """Each example starts with a new registry holding ``cls`` as ``name``."""
    reset_state()
    register_backend(name, cls, replace=True)


@given(name=schemes, left=padding, right=padding, options=options)
def test_a_name_builds_the_driver_with_the_options(
    name: str, left: str, right: str, options: dict[str, int]
) -> None:
    _fresh(name)
    built = create_backend(left + name + right, **options)
    assert isinstance(built, Probe)
    assert (built.url, built.options) == (None, options)


@given(scheme=schemes, rest=url_rests, left=padding, right=padding, upper=st.booleans())
def test_a_url_goes_to_the_from_url_of_its_scheme_in_any_case(
    scheme: str, rest: str, left: str, right: str, upper: bool
) -> None:
    _fresh(scheme)
    spec = f"{left}{scheme.upper() if upper else scheme}://{rest}{right}"
    built = create_backend(spec)
    assert isinstance(built, Probe) and built.url == spec.strip()


@given(spec=padding)
def test_a_blank_spec_says_what_is_accepted(spec: str) -> None:
    with pytest.raises(BackendConfigError, match="a driver name or a URL"):
        create_backend(spec)


@given(
    spec=st.one_of(
        st.none(), st.booleans(), st.integers(), st.binary(), st.lists(st.text(), max_size=2)
    )
)
def test_a_spec_that_is_not_a_string_is_refused(spec: object) -> None:
    with pytest.raises(BackendConfigError, match="a driver name or a URL"):
        create_backend(spec)  # type: ignore[arg-type]


@given(name=st.text(min_size=1, max_size=20).filter(lambda s: s.strip() and "://" not in s))
def test_an_unknown_name_lists_the_available_names(name: str) -> None:
    reset_state()
    assume(name.strip() not in available_backends())
    with pytest.raises(BackendNotFoundError) as raised:
        create_backend(name)
    assert str(raised.value).endswith(f"available: {', '.join(available_backends())}")


@given(scheme=schemes, rest=url_rests)
def test_a_url_of_an_unknown_scheme_names_the_scheme(scheme: str, rest: str) -> None:
    reset_state()
    assume(scheme not in available_backends())
    expected = re.escape(f"no backend handles URL scheme '{scheme}'")
    with pytest.raises(BackendNotFoundError, match=expected):
        create_backend(f"{scheme}://{rest}")


def test_a_driver_without_a_url_form_refuses_urls() -> None:
    _fresh("urlless", UrlLess)
    with pytest.raises(BackendConfigError, match="cannot be configured from a URL"):
        create_backend("urlless://anything")


@pytest.mark.parametrize("spec", ["file", "file:///tmp/maintenance"])
def test_an_option_the_driver_does_not_take_is_a_config_error(spec: str, tmp_path: Path) -> None:
    options = {"file_path": tmp_path / "m"} if spec == "file" else {}
    with pytest.raises(BackendConfigError, match="bogus"):
        create_backend(spec, bogus=1, **options)
