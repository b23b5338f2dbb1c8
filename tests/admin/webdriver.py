"""Just enough of the W3C WebDriver protocol to drive Debian's chromedriver with httpx."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

#: The key under which WebDriver names an element.
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
#: Chromium's flags for a quiet, isolated, headless run.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def browser_binaries() -> tuple[str, str] | None:
    """Paths of chromium and chromedriver, or ``None`` when either is missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None


class WebDriverError(AssertionError):
    """A WebDriver command failed; ``error`` is the protocol's error code."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error


class Browser:
    """One WebDriver session: open pages, find elements, type, click, read."""

    def __init__(self, http: httpx.Client, session: str) -> None:
        self.http = http
        self.base = f"/session/{session}"

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, self.base + path, json=body)
        answer = response.json()
        if response.status_code != 200:
            error = answer["value"]
            raise WebDriverError(error.get("error", ""), f"{method} {path}: {error.get('message')}")
        return answer["value"]

    def open(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    def find(self, css: str) -> str:
        found = self._call("POST", "/element", {"using": "css selector", "value": css})
        element: str = found[ELEMENT]
        return element

    def text(self, css: str) -> str:
        value: str = self._call("GET", f"/element/{self.find(css)}/text")
        return value

    def attribute(self, css: str, name: str) -> str | None:
        value: str | None = self._call("GET", f"/element/{self.find(css)}/attribute/{name}")
        return value

    def css(self, css: str, name: str) -> str:
        """The computed value of the CSS property ``name`` of the element at ``css``."""
        value: str = self._call("GET", f"/element/{self.find(css)}/css/{name}")
        return value

    def cookies(self) -> list[dict[str, Any]]:
        """Every cookie the current page's address would be sent, with its attributes."""
        found: list[dict[str, Any]] = self._call("GET", "/cookie")
        return found

    def frame(self, css: str | None) -> None:
        """Look inside the frame at ``css`` from now on; ``None``: back to the top page."""
        target = None if css is None else {ELEMENT: self.find(css)}
        self._call("POST", "/frame", {"id": target})

    def type(self, css: str, text: str) -> None:
        element = self.find(css)
        self._call("POST", f"/element/{element}/clear", {})
        self._call("POST", f"/element/{element}/value", {"text": text})

    def click(self, css: str) -> None:
        self._call("POST", f"/element/{self.find(css)}/click", {})

    def submit(self, css: str) -> None:
        """Click ``css`` and wait until the page it leads to has replaced this one."""
        old = self.find("html")
        self.click(css)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                self._call("GET", f"/element/{old}/name")
            except WebDriverError:  # stale, or "does not belong to the document": replaced
                return
            time.sleep(0.02)
        raise AssertionError(f"clicking {css} did not load a new page within 10 s")

    def displayed(self, css: str) -> bool:
        shown: bool = self._call("GET", f"/element/{self.find(css)}/displayed")
        return shown

    def run(self, script: str) -> Any:
        """Run ``script`` (a function body; ``return`` gives its value) in the current page."""
        return self._call("POST", "/execute/sync", {"script": script, "args": []})

    def wait_for_text(self, css: str, expected: str, seconds: float = 10) -> None:
        """Wait until the element at ``css`` reads ``expected``, as pages changed by script do."""
        deadline = time.monotonic() + seconds
        seen = None
        while time.monotonic() < deadline:
            try:
                seen = self.text(css)
            except WebDriverError:  # not there yet, or replaced while read
                seen = None
            if seen == expected:
                return
            time.sleep(0.05)
        raise AssertionError(f"{css} read {seen!r}, not {expected!r}, after {seconds} s")

    def wait_for_text_in(self, css: str, fragment: str, seconds: float = 15) -> str:
        """Wait until the element at ``css`` holds ``fragment``, read again when the page
        replaces it meanwhile (as a page does that reloads itself); its text."""
        deadline = time.monotonic() + seconds
        seen = ""
        while time.monotonic() < deadline:
            try:
                seen = self.text(css)
            except WebDriverError:  # not there yet, or replaced while read
                seen = ""
            if fragment in seen:
                return seen
            time.sleep(0.05)
        raise AssertionError(f"{css} did not hold {fragment!r} after {seconds} s: {seen!r}")

    @property
    def title(self) -> str:
        value: str = self._call("GET", "/title")
        return value

    @property
    def url(self) -> str:
        value: str = self._call("GET", "/url")
        return value


@contextmanager
def headless_chromium(
    chromium: str, chromedriver: str, *, javascript: bool, args: Sequence[str] = ()
) -> Iterator[Browser]:
    """A fresh headless Chromium (its own profile, JavaScript on or off, ``args`` added to its
    flags) behind chromedriver."""
    port = free_port()
    driver = subprocess.Popen(
        [chromedriver, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        with (
            tempfile.TemporaryDirectory(prefix="fm-chromium-") as profile,
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http,
        ):
            _wait_ready(http)
            options = {
                "binary": chromium,
                "args": [*FLAGS, *args, f"--user-data-dir={Path(profile)}"],
                "prefs": {
                    "profile.managed_default_content_settings.javascript": 1 if javascript else 2
                },
            }
            created = http.post(
                "/session",
                json={"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}},
            )
            assert created.status_code == 200, created.text
            session = created.json()["value"]["sessionId"]
            http.post(f"/session/{session}/timeouts", json={"implicit": 5000})
            try:
                yield Browser(http, session)
            finally:
                http.delete(f"/session/{session}")
    finally:
        driver.terminate()
        driver.wait(timeout=10)


def _wait_ready(http: httpx.Client) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if http.get("/status").json()["value"]["ready"]:
                return
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    raise AssertionError("chromedriver did not become ready within 20 s")


def chromium_for_tests(*, javascript: bool, args: Sequence[str] = ()) -> Iterator[Browser]:
    """A fixture's headless Chromium: skipped where Chromium and chromedriver are missing,
    a failure where ``CI`` is set (the job installs them)."""
    found = browser_binaries()
    if found is None:
        reason = "chromium and chromium-driver are not installed"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set)")
        pytest.skip(reason)
    with headless_chromium(*found, javascript=javascript, args=args) as chromium:
        yield chromium
