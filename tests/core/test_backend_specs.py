"""One path from a spec and options to a backend: options checked against the driver's call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st

from fastapi_maintenance import (
    BackendConfigError,
    BackendOptionsError,
    BaseStateBackend,
    MaintenanceModeMiddleware,
    configure_backend,
    reset_state,
)
from fastapi_maintenance._plugins.specs import parse_spec
from fastapi_maintenance.backends import create_backend, register_backend


class Sized(BaseStateBackend):
    """A driver with one required and one optional option."""

    def __init__(self, size: int, colour: str = "red") -> None:
        self.size, self.colour = size, colour

    async def get_value(self) -> bool:
        return False

    async def set_value(self, value: bool) -> None:
        return None


class Fussy(Sized):
    """A driver whose constructor raises a TypeError of its own for a value it dislikes."""

    def __init__(self, size: int, colour: str = "red") -> None:
        if not isinstance(size, int):
            raise TypeError(f"size must be an int, not {type(size).__name__}")
        super().__init__(size, colour)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: configure_backend("file"),
            "the file driver needs option file_path (or a file:// URL); "
            "accepted: assume, check_interval, file_path",
        ),
        (
            lambda: configure_backend("env", bogus=1),
            "the env driver does not take option bogus; accepted: var_name",
        ),
        (
            lambda: create_backend("file", file_path="m.txt", colour="blue"),
            "the file driver does not take option colour; "
            "accepted: assume, check_interval, file_path",
        ),
    ],
    ids=["missing", "unknown", "unknown-next-to-valid"],
)
def test_options_that_do_not_fit_the_driver_name_what_it_accepts(call: Any, message: str) -> None:
    with pytest.raises(BackendOptionsError) as raised:
        call()
    assert str(raised.value) == message


def test_an_options_error_is_caught_as_a_type_error_as_in_0_0_5() -> None:
    with pytest.raises(TypeError):
        configure_backend("file")


def test_an_options_error_is_a_backend_config_error() -> None:
    with pytest.raises(BackendConfigError):
        configure_backend("env", bogus=1)


def test_a_type_error_raised_inside_the_driver_is_not_relabelled() -> None:
    register_backend("fussy", Fussy)
    with pytest.raises(TypeError, match="size must be an int, not str") as raised:
        create_backend("fussy", size="3")
    assert not isinstance(raised.value, BackendOptionsError)


def test_an_unknown_option_of_a_url_names_what_the_url_form_accepts(tmp_path: Path) -> None:
    with pytest.raises(BackendOptionsError, match=r"does not take option colour; accepted: "):
        create_backend((tmp_path / "m").as_uri(), colour="blue")


def test_several_missing_options_are_named_together() -> None:
    register_backend("sized", Sized)
    with pytest.raises(BackendOptionsError) as raised:
        create_backend("sized")
    assert str(raised.value) == "the sized driver needs option size; accepted: colour, size"


@given(options=st.dictionaries(st.sampled_from(["size", "colour", "shape", "depth"]), st.just(1)))
def test_options_are_accepted_exactly_when_the_constructor_takes_them(
    options: dict[str, int],
) -> None:
    reset_state()
    register_backend("sized", Sized)
    fits = "size" in options and set(options) <= {"size", "colour"}
    if fits:
        assert isinstance(create_backend("sized", **options), Sized)
    else:
        with pytest.raises(BackendOptionsError, match=r"; accepted: colour, size$"):
            create_backend("sized", **options)


@pytest.mark.parametrize("backend", [3, 2.5, b"file", ["file"], object()])
def test_something_neither_a_backend_nor_a_spec_is_a_type_error_naming_what_is_accepted(
    backend: object,
) -> None:
    with pytest.raises(TypeError, match="a BaseStateBackend instance, a driver name") as raised:
        configure_backend(backend)  # type: ignore[arg-type]
    assert type(backend).__name__ in str(raised.value)


def test_the_middleware_refuses_a_backend_of_the_wrong_type_alike() -> None:
    with pytest.raises(TypeError, match="a BaseStateBackend instance, a driver name"):
        MaintenanceModeMiddleware(FastAPI(), backend=42)  # type: ignore[arg-type]


def test_options_next_to_a_backend_instance_are_refused(tmp_path: Path) -> None:
    backend = create_backend("file", file_path=tmp_path / "m")
    with pytest.raises(BackendOptionsError, match="only apply to a driver name or a URL"):
        configure_backend(backend, check_interval=1)


@pytest.mark.parametrize("secret", ["Zq7#Kx9", "Zq7?Kx9", "Zq7/Kx9"])
def test_a_url_whose_password_is_cut_short_by_a_delimiter_is_refused_unshown(
    secret: str,
) -> None:
    with pytest.raises(BackendConfigError, match="must be percent-encoded") as raised:
        create_backend(f"file://user:{secret}@localhost/tmp/maintenance")
    assert "Zq7" not in str(raised.value) and "Kx9" not in str(raised.value)


class Located(Sized):
    """A driver built from any URL, which it keeps."""

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Located:
        built = cls(1)
        built.colour = url
        return built


@pytest.mark.parametrize("url", ["loc://cache:6379/0?key=a@b", "loc://cache/x@y", "loc://a:b"])
def test_a_url_with_an_at_sign_after_a_valid_host_reaches_its_driver(url: str) -> None:
    register_backend("loc", Located)
    backend = create_backend(url)
    assert isinstance(backend, Located) and backend.colour == url


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("file", ("file", False)),
        ("FILE:///x", ("file", True)),
        ("redis+sentinel://h", ("redis+sentinel", True)),
        ("c:/state", ("c:/state", False)),
    ],
)
def test_a_spec_is_a_url_when_a_scheme_and_two_slashes_start_it(
    spec: str, parsed: tuple[str, bool]
) -> None:
    assert parse_spec(spec) == parsed
