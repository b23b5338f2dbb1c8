"""Run the benchmarks: ``python -m tests.bench [--quick] [--output PATH] [--skip-http] ...``.

Prints each table and the verdict on each target, and writes everything to a JSON file.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import platform
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from ._http import measure_http
from ._propagation import run_propagation
from ._report import (
    cost_rows,
    format_costs,
    format_rates,
    format_verdicts,
    rate_rows,
    verdicts,
    write_json,
)
from ._stores import Store, driver_stores
from ._variants import http_variants, inprocess_checks, inprocess_variants
from ._workers import measure_in_workers

DEFAULT_OUTPUT = Path(tempfile.gettempdir()) / "fastapi-maintenance-bench.json"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench", description="Per-request cost of the maintenance middleware."
    )
    parser.add_argument("--quick", action="store_true", help="fewer, shorter samples (1-2 min)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON report path")
    parser.add_argument(
        "--repeats", type=int, help="in-process samples per variant (21; 7 with --quick)"
    )
    parser.add_argument(
        "--sample-ms", type=float, help="length of one in-process sample (20; 10 with --quick)"
    )
    parser.add_argument(
        "--requests", type=int, help="requests per in-process sample, instead of --sample-ms"
    )
    parser.add_argument(
        "--processes", type=int, help="worker processes per group of variants (3; 1 with --quick)"
    )
    parser.add_argument(
        "--clock",
        choices=["cpu", "wall"],
        default="cpu",
        help="in-process samples by the thread's CPU time (default) or by wall time",
    )
    parser.add_argument("--skip-http", action="store_true", help="skip the uvicorn benchmark")
    parser.add_argument("--http-rounds", type=int, help="HTTP samples per variant (5; 2 quick)")
    parser.add_argument(
        "--http-seconds", type=float, help="length of one HTTP sample (2; 1 with --quick)"
    )
    parser.add_argument("--connections", type=int, default=8, help="HTTP keep-alive connections")
    parser.add_argument(
        "--skip-propagation", action="store_true", help="skip the Redis propagation benchmark"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    for name, full, short in [
        ("repeats", 21, 7),
        ("processes", 3, 1),
        ("sample_ms", 20.0, 10.0),
        ("http_rounds", 5, 2),
        ("http_seconds", 2.0, 1.0),
    ]:
        if getattr(args, name) is None:
            setattr(args, name, short if quick else full)
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    return args


def _versions() -> dict[str, str]:
    found = {}
    for name in ("fastapi-maintenance", "fastapi-maintenance-redis", "fastapi", "starlette",
                 "uvicorn", "redis"):  # fmt: skip
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_at_start": load,
        "versions": _versions(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def _in_process(args: argparse.Namespace, stores: list[type[Store]]) -> dict[str, Any]:
    variants = inprocess_variants(stores)
    size = f"{args.requests} requests" if args.requests else f"~{args.sample_ms:g} ms"
    print(
        f"\nIn-process: {len(variants)} variants x {args.repeats} samples of {size} "
        f"({args.clock} time), in rotating order, {args.processes} process(es) per group",
        flush=True,
    )
    measured = measure_in_workers(
        variants, args.repeats, args.sample_ms, args.requests, args.processes, args.clock
    )
    rows = cost_rows(measured)
    checks = verdicts(inprocess_checks(stores), measured)
    print(format_costs(rows))
    print("\nTargets (in-process, median of per-round ratios):")
    print(format_verdicts(checks), flush=True)
    return {"rows": rows, "targets": checks}


def _http(args: argparse.Namespace, stores: list[type[Store]]) -> dict[str, Any]:
    variants = http_variants(stores)
    print(
        f"\nOver HTTP (uvicorn, {args.connections} keep-alive connections): {len(variants)} "
        f"variants x {args.http_rounds} rounds of {args.http_seconds:g} s",
        flush=True,
    )
    served = measure_http(variants, args.http_rounds, args.http_seconds, 0.5, args.connections)
    rows = rate_rows(served)
    print(format_rates(rows))
    for key, problems in served.problems.items():
        print(f"  {key}: unexpected answers: {'; '.join(problems)}")
    return {"rows": rows, "problems": served.problems}


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    # Only real trouble is shown; nothing is logged on a request's normal path.
    logging.basicConfig(level=logging.WARNING)
    settings = vars(args) | {"output": str(args.output)}
    report: dict[str, Any] = {"machine": _machine(), "settings": settings}
    stores, skipped = driver_stores()
    for name, reason in skipped.items():
        print(f"driver {name}: skipped ({reason})")
    report["skipped_drivers"] = skipped
    report["in_process"] = _in_process(args, stores)
    report["http"] = {"skipped": "--skip-http"} if args.skip_http else _http(args, stores)
    if not args.skip_propagation:
        report["propagation"] = run_propagation()
    write_json(args.output, report)
    print(f"\nReport written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
