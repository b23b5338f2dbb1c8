"""Credentials in backend specs never reach a log line or a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastapi_maintenance._support.redact import mask_spec
from fastapi_maintenance.backends import redact_spec


@pytest.mark.parametrize(
    ("spec", "shown"),
    [
        ("redis://app:s3cret@cache:6379/0", "redis://app:***@cache:6379/0"),
        ("redis://:s3cret@cache:6379/0", "redis://:***@cache:6379/0"),
        ("redis://s3cret@cache", "redis://***@cache"),
        ("redis://app:p#w@cache/0", "redis://app:***@cache/0"),
        ("redis://app:p?w@cache/0", "redis://app:***@cache/0"),
        ("redis://app:p/w@cache/0", "redis://app:***@cache/0"),
        ("redis://app:p@w@cache/0", "redis://app:***@cache/0"),
        ("redis://cache/0?password=s3cret&db=1", "redis://cache/0?password=***&db=1"),
        ("file:///var/run/app/maintenance", "file:///var/run/app/maintenance"),
    ],
)
def test_a_spec_loses_its_password_and_keeps_the_rest(spec: str, shown: str) -> None:
    assert redact_spec(spec) == shown


def test_every_url_in_a_message_is_redacted() -> None:
    message = "no backend handles 'foo://a:one@h' nor 'bar://b:two@h'"
    assert redact_spec(message) == "no backend handles 'foo://a:***@h' nor 'bar://b:***@h'"


_password = st.text(
    alphabet=st.characters(blacklist_categories=("Z", "C"), blacklist_characters="@"),
    min_size=1,
)


@given(password=_password)
def test_no_password_survives_redaction(password: str) -> None:
    shown = redact_spec(f"cannot reach redis://user:{password}@cache.internal:6379/0")
    assert shown == "cannot reach redis://user:***@cache.internal:6379/0"


# mistyped URLs: where the credentials are cannot be told, so more is hidden -------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("redis:/app:s3cret@cache:6379/0", "redis:/***@cache:6379/0"),
        ("redis:/s3cret@cache:6379/0", "redis:/***@cache:6379/0"),
        ("redis:app:s3cret@cache:6379/0", "***@cache:6379/0"),
        ("app:s3cret@cache:6379", "***@cache:6379"),
        ("got 'app:s3cret@cache:6379'", "got '***@cache:6379'"),
        ("url=redis:/app:s3cret@cache", "url=redis:/***@cache"),
        ("(app:s3cret@cache)", "(***@cache)"),
    ],
)
def test_a_mistyped_url_in_a_message_keeps_only_its_scheme_and_host(text: str, shown: str) -> None:
    assert redact_spec(text) == shown


@pytest.mark.parametrize(
    ("spec", "shown"),
    [
        ("redis://app:s3cret@cache:6379/0", "redis://app:***@cache:6379/0"),
        ("redis://app:s3#cret@cache:6379/0", "redis://***@cache:6379/0"),
        ("redis://app:s3 cret@cache:6379/0", "redis://***@cache:6379/0"),
        ("redis:/app:s3cret@cache:6379/0", "redis:/***@cache:6379/0"),
        ("redis:///app:s3cret@cache", "redis:///***@cache"),
        ("redis:app:s3cret@cache:6379/0", "***"),
        ("app:s3cret@cache:6379", "***"),
        ("app:s3 cret@cache:6379", "***"),
        ("file:///var/run/app/maintenance", "file:///var/run/app/maintenance"),
        ("redis", "redis"),
    ],
)
def test_a_spec_whose_credentials_cannot_be_located_is_shown_failing_closed(
    spec: str, shown: str
) -> None:
    assert mask_spec(spec) == shown


_bare_password = st.text(
    alphabet=st.characters(blacklist_categories=("Z", "C")), min_size=1
).filter(lambda password: not password.startswith("/"))


@given(password=_bare_password, prefix=st.sampled_from(["redis:/user:", "redis:user:", "user:"]))
def test_no_password_of_a_mistyped_url_survives_redaction(password: str, prefix: str) -> None:
    shown = redact_spec(f"cannot reach {prefix}{password}@cache.internal:6379/0")
    assert shown.endswith("***@cache.internal:6379/0")
    kept = shown.removeprefix("cannot reach ").removesuffix("***@cache.internal:6379/0")
    assert prefix.startswith(kept)


@given(password=_bare_password, prefix=st.sampled_from(["redis:/user:", "redis:user:", "user:"]))
def test_no_password_of_a_mistyped_spec_survives_masking(password: str, prefix: str) -> None:
    shown = mask_spec(f"{prefix}{password}@cache.internal:6379/0")
    assert shown in ("***", "redis:/***@cache.internal:6379/0")


# the startup failure an application server logs -----------------------------------------

SECRET = "Zq7Wm4Kx9Vb2"
APP = """
from fastapi import FastAPI

from fastapi_maintenance import MaintenanceModeMiddleware

app = FastAPI()
app.add_middleware(MaintenanceModeMiddleware)
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "spec",
    [
        f"redis:/app:{SECRET}@127.0.0.1:6379/0",
        f"redis:app:{SECRET}@127.0.0.1:6379/0",
        f"app:{SECRET}@127.0.0.1:6379",
        f"postgresql+asyncpg:/app:{SECRET}@127.0.0.1/test",
    ],
    ids=["one slash", "no slash", "no scheme", "sql, one slash"],
)
def test_the_startup_failure_uvicorn_logs_never_shows_the_password(
    tmp_path: Path, spec: str
) -> None:
    (tmp_path / "shop.py").write_text(APP, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTAPI_MAINTENANCE_")}
    done = subprocess.run(
        [sys.executable, "-m", "uvicorn", "shop:app", "--port", "0"],
        cwd=tmp_path,
        env={**env, "FASTAPI_MAINTENANCE_BACKEND": spec},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "Application startup failed" in done.stderr
    assert SECRET not in done.stdout + done.stderr
