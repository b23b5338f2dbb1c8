"""Fixtures for the core tests: state files, file backends, log capture."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from fastapi_maintenance.backends import LocalFileBackend

LOGGER = "fastapi_maintenance"


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    """Where a file backend keeps its state; the file does not exist yet."""
    return tmp_path / "maintenance"


@pytest.fixture
def file_backend(state_file: Path) -> LocalFileBackend:
    """A file backend that looks at its file on every request."""
    return LocalFileBackend(state_file, check_interval=0)


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Callable[[str], list[str]]:
    """``logged("word")``: the package's log messages containing ``word``."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)

    def find(word: str) -> list[str]:
        messages = (r.getMessage() for r in caplog.records if r.name == LOGGER)
        return [message for message in messages if word in message]

    return find
