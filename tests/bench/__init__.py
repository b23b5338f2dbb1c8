"""Benchmarks: what the maintenance middleware costs per request. Run ``python -m tests.bench``.

Nothing here is named ``test_*``: pytest never collects these modules, and nothing in them
asserts a timing. Targets are printed as ratios with PASS or MISS.
"""

from pathlib import Path

#: The repository: worker and server processes run from here to import ``tests.bench``.
ROOT = Path(__file__).resolve().parents[2]
