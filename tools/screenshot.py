"""Screenshot of the default maintenance page, as a browser shows it, by headless Chromium.

``python tools/screenshot.py OUTPUT.png`` asks an app in maintenance for a page the way a
browser does (``Accept: text/html``), saves the body the middleware answers, and has
Chromium render that file. Needs the Debian packages ``chromium`` and ``chromium-driver``
(or a ``chromium`` on the ``PATH``, or ``CHROMIUM`` naming one).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from fastapi import FastAPI

from fastapi_maintenance import MaintenanceModeMiddleware

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
WINDOW = "1000,560"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]


async def default_page() -> httpx.Response:
    """The response a browser gets from an app in maintenance, with every default kept."""
    app = FastAPI()
    app.get("/")(lambda: {"ok": True})
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.example") as client:
        return await client.get("/", headers={"Accept": BROWSER_ACCEPT})


def chromium() -> str:
    found = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not found:
        sys.exit("no Chromium found: apt-get install -y chromium chromium-driver, or set CHROMIUM")
    return found


def main(output: Path) -> None:
    response = asyncio.run(default_page())
    if response.status_code != 503 or "text/html" not in response.headers["content-type"]:
        sys.exit(f"expected the 503 HTML page, got {response.status_code} {response.headers}")
    with tempfile.TemporaryDirectory(prefix="screenshot-") as tmp:
        page = Path(tmp) / "maintenance.html"
        page.write_bytes(response.content)
        profile = Path(tmp) / "profile"
        command = [
            chromium(),
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={WINDOW}",
            f"--screenshot={output.resolve()}",
            page.as_uri(),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    print(f"{output}: the default 503 page ({len(response.content)} bytes of HTML)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
