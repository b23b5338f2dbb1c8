"""``fastapi-maintenance bypass-token``: a signed token that lets its holder through maintenance.

Made with the secret the application reads, ``FASTAPI_MAINTENANCE_BYPASS_SECRET``; the token
alone goes to stdout (for ``$(...)`` in scripts), anything else to stderr.
"""

from __future__ import annotations

import re
import sys
import time
from typing import Annotated

import typer

from .._request.tokens import SECRET_ENV, Signer, secrets_from
from .output import show_error

__all__ = ["DEFAULT_LIFETIME", "bypass_token", "parse_duration"]

DEFAULT_LIFETIME = "1h"
#: The longest life a token may be given: a bypass is for a maintenance window, not a key.
MAX_SECONDS = 366 * 86400
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+)([smhd])")
_ACCEPTED = "accepted: seconds ('900') or amounts with units s, m, h, d ('12h', '1h30m', '7d')"


def parse_duration(text: str) -> int:
    """Seconds in ``900``, ``45s``, ``30m``, ``12h``, ``7d`` or a sum such as ``1h30m``."""
    cleaned = text.strip().lower()
    if cleaned.isdigit():
        seconds = int(cleaned)
    else:
        parts = _PART.findall(cleaned)
        if not parts or "".join(n + u for n, u in parts) != cleaned:
            raise ValueError(f"{text!r} is not a duration; {_ACCEPTED}")
        seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"{text!r}: a token lives more than 0 seconds and at most 366 days")
    return seconds


def bypass_token(
    lifetime: Annotated[
        str,
        typer.Option(
            "--for",
            metavar="DURATION",
            help="How long the token lets its holder through: 900, 30m, 12h, 7d, 1h30m.",
        ),
    ] = DEFAULT_LIFETIME,
) -> None:
    """🔑 Print a signed bypass token made with FASTAPI_MAINTENANCE_BYPASS_SECRET."""
    try:
        seconds = parse_duration(lifetime)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--for'") from None
    try:
        secrets = secrets_from(None)
    except (TypeError, ValueError) as exc:
        show_error(str(exc))
        raise typer.Exit(1) from None
    if not secrets:
        show_error(
            f"{SECRET_ENV} is not set; set it to the secret the application uses "
            "(the first of a comma-separated list signs)"
        )
        raise typer.Exit(1)
    sys.stdout.write(Signer(secrets).token(seconds, time.time()) + "\n")
