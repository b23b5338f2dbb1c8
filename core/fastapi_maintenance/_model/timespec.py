"""Durations (``90s``, ``1h30m``) and points in time (ISO 8601) as operators type them.

The command line and the admin page read them; both refuse what does not parse with a
``ValueError`` saying what is accepted, and never crash on any text.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

#: What a duration may look like, for error messages and help texts.
DURATION_FORMS = "a number of days, hours, minutes and seconds such as 90s, 30m, 2h, 1h30m or 1d"
#: What a point in time may look like.
TIME_FORMS = "an ISO 8601 date and time such as 2026-12-01T03:00Z, 2026-12-01 03:00+01:00, or "


def time_forms(naive: tzinfo | None = None) -> str:
    """What a point in time may look like, saying how a time without an offset is read."""
    zone = "the local time of this machine" if naive is None else str(naive)
    return f"{TIME_FORMS}2026-12-01T03:00 (no offset: {zone})"


#: The longest duration accepted: beyond it a window is a typo, and datetimes overflow.
MAX_DURATION = timedelta(days=3650)

_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
_DURATION = re.compile(r"(?:([0-9]{1,9})d)?(?:([0-9]{1,9})h)?(?:([0-9]{1,9})m)?(?:([0-9]{1,9})s)?")


def parse_duration(text: str) -> timedelta:
    """``"1h30m"`` -> ``timedelta(hours=1, minutes=30)``; units in the order d, h, m, s.

    Raises ``ValueError`` for anything else, a zero duration, or one over ten years.
    """
    compact = text.strip().lower()
    match = _DURATION.fullmatch(compact)
    if not compact or match is None:
        raise ValueError(f"{text!r} is not a duration; expected {DURATION_FORMS}")
    seconds = sum(int(n) * unit for n, (_, unit) in zip(match.groups(), _UNITS, strict=True) if n)
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a positive duration; expected {DURATION_FORMS}")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"{text!r} is longer than {MAX_DURATION.days} days")
    return timedelta(seconds=seconds)


def format_duration(span: timedelta) -> str:
    """``timedelta(hours=1, minutes=30)`` -> ``"1h30m"``: whole seconds, largest units first.

    The inverse of ``parse_duration`` for whole seconds; fractions are rounded up, so a
    time left is never shown shorter than it is. Zero or less is ``"0s"``.
    """
    seconds = int(-(-span.total_seconds() // 1))
    if seconds <= 0:
        return "0s"
    parts = []
    for suffix, unit in _UNITS:
        count, seconds = divmod(seconds, unit)
        if count:
            parts.append(f"{count}{suffix}")
    return "".join(parts)


def parse_time(text: str, *, naive: tzinfo | None = None) -> datetime:
    """An ISO 8601 date and time, in UTC; without an offset it is in ``naive``, by default
    this machine's local time.

    ``Z`` stands for UTC. Raises ``ValueError`` saying what is accepted.
    """
    compact = text.strip()
    if compact[-1:] in ("Z", "z"):
        compact = compact[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(compact)
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time; expected {time_forms(naive)}") from None
    if parsed.tzinfo is None and naive is not None:
        parsed = parsed.replace(tzinfo=naive)
    try:
        # ``astimezone`` reads a naive datetime as local time.
        return parsed.astimezone(timezone.utc)
    except (OverflowError, ValueError, OSError):
        raise ValueError(f"{text!r} is out of range; expected {time_forms(naive)}") from None


def format_time(moment: datetime) -> str:
    """A datetime as ISO 8601 in UTC, to the second: ``2026-12-01T03:00:00+00:00``."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()
