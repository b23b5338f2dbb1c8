"""Progress on a terminal: one line, rewritten in place; nothing when output is redirected."""

from __future__ import annotations

import sys


def progress(text: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r{text:<60}\r" if text else f"\r{'':<60}\r")
        sys.stderr.flush()
