"""In-process measurements, each group of variants in fresh worker processes.

Only variants compared with each other share a process: an app with 1,000 routes does not
sit in the caches of the one-route apps. Each group runs in several processes in turn, so
that one process's memory layout and hash seed, which move a result by a percent or two,
average out. ``python -m tests.bench._workers --keys a,b ...`` is one worker: it measures
the named variants and prints their samples as JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import subprocess
import sys
from collections.abc import Iterable
from typing import TypedDict

from . import ROOT
from ._inprocess import InProcessResult, measure_in_process
from ._stores import driver_stores
from ._variants import Variant, inprocess_variants


def _groups(variants: Iterable[Variant]) -> dict[str, list[Variant]]:
    groups: dict[str, list[Variant]] = {}
    for variant in variants:
        groups.setdefault(variant.group, []).append(variant)
    return groups


class _Measured(TypedDict):
    samples: list[float]
    requests: list[int]
    retakes: int


def _worker(
    keys: list[str], repeats: int, sample_ms: float, requests: int | None, label: str, clock: str
) -> dict[str, _Measured]:
    command = [
        sys.executable, "-m", "tests.bench._workers", "--keys", ",".join(keys),
        "--repeats", str(repeats), "--sample-ms", str(sample_ms), "--label", label,
        "--clock", clock,
    ]  # fmt: skip
    if requests:
        command += ["--requests", str(requests)]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"in-process worker for {', '.join(keys)} failed")
    measured: dict[str, _Measured] = json.loads(done.stdout)
    return measured


def measure_in_workers(
    variants: list[Variant],
    repeats: int,
    sample_ms: float,
    requests: int | None,
    processes: int,
    clock: str = "cpu",
) -> InProcessResult:
    """About ``repeats`` rounds per variant, split over ``processes`` workers per group."""
    per_process = math.ceil(repeats / processes)
    result = InProcessResult(variants, {}, {}, {})
    for group, members in _groups(variants).items():
        for number in range(processes):
            label = f"{group}, process {number + 1}/{processes}"
            keys = [v.key for v in members]
            for key, found in _worker(keys, per_process, sample_ms, requests, label, clock).items():
                result.samples.setdefault(key, []).extend(found["samples"])
                result.requests.setdefault(key, []).extend(found["requests"])
                result.retakes[key] = result.retakes.get(key, 0) + found["retakes"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", required=True)
    parser.add_argument("--repeats", type=int, required=True)
    parser.add_argument("--sample-ms", type=float, required=True)
    parser.add_argument("--requests", type=int)
    parser.add_argument("--label", default="in-process")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    keys = args.keys.split(",")
    stores, _ = driver_stores()
    known = {v.key: v for v in inprocess_variants(stores)}
    missing = [key for key in keys if key not in known]
    if missing:
        parser.error(f"unknown or unavailable variants: {', '.join(missing)}")
    result = measure_in_process(
        [known[key] for key in keys],
        args.repeats,
        args.sample_ms,
        args.requests,
        args.label,
        args.clock,
    )
    measured = {
        key: _Measured(
            samples=result.samples[key], requests=result.requests[key], retakes=result.retakes[key]
        )
        for key in keys
    }
    json.dump(measured, sys.stdout)


if __name__ == "__main__":
    main()
