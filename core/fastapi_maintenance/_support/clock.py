"""The clock a window is checked against: POSIX seconds, replaceable in tests.

The middleware and the responses read ``now`` through this module on every check, so a
test can move time by replacing ``fastapi_maintenance._clock.now`` instead of sleeping.
"""

from __future__ import annotations

import time

#: The current time as a POSIX timestamp.
now = time.time
