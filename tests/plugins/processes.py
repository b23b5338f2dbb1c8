"""Run Python in a fresh interpreter: the honest check of what a new process discovers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any


def report_of(script: str, cwd: Path, pythonpath: Path | None = None) -> Any:
    """Run ``script`` in a new interpreter of this virtualenv; return the JSON it prints last."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTAPI_MAINTENANCE_")}
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])
