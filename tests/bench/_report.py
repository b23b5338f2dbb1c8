"""Turn samples into table rows and target verdicts, print them, and write them as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._http import HttpResult
from ._inprocess import InProcessResult
from ._stats import median, paired_difference, paired_ratio, spread
from ._variants import Check

Row = dict[str, Any]


def cost_rows(result: InProcessResult) -> list[Row]:
    """One row per variant: median µs per request, its noise, and its ratio to its baseline."""
    labels = {v.key: v.label for v in result.variants}
    samples = result.samples
    return [
        {
            "key": v.key,
            "label": v.label,
            "us_per_request": median(samples[v.key]) / 1000,
            "spread": spread(samples[v.key]),
            "requests_per_sample": result.requests[v.key],
            "retaken_samples": result.retakes[v.key],
            "baseline": labels.get(v.baseline or ""),
            "ratio": paired_ratio(samples, (v.key,), (v.baseline,)) if v.baseline else None,
            "samples_ns": [round(s, 1) for s in samples[v.key]],
        }
        for v in result.variants
    ]


def rate_rows(result: HttpResult) -> list[Row]:
    """One row per variant: median requests per second and server CPU per request, each with
    its ratio to the bare app."""
    rows = []
    for v in result.variants:
        rates, costs = result.rates, result.cpu_costs
        measured_cpu = all(costs[key] for key in (v.key, "bare"))
        rows.append(
            {
                "key": v.key,
                "label": v.label,
                "requests_per_second": median(rates[v.key]),
                "spread": spread(rates[v.key]),
                "ratio": paired_ratio(rates, (v.key,), ("bare",)) if v.baseline else None,
                "server_cpu_us_per_request": median(costs[v.key]) if costs[v.key] else None,
                "cpu_ratio": (
                    paired_ratio(costs, (v.key,), ("bare",))
                    if v.baseline and measured_cpu
                    else None
                ),
                "rounds": [round(r, 1) for r in rates[v.key]],
            }
        )
    return rows


def verdicts(checks: Sequence[Check], result: InProcessResult) -> list[Row]:
    """Each target's value over all rounds, and over each worker process's rounds alone.

    How far the processes disagree shows how firm a verdict close to its limit is.
    """
    samples = result.samples
    found = []
    for check in checks:
        keys = (*check.over, *check.under)
        if not all(key in samples for key in keys):
            continue
        # Samples are ns per request; a difference is reported in µs.
        if check.unit == "µs":

            def compare(found: Mapping[str, Sequence[float]], check: Check = check) -> float:
                return paired_difference(found, check.over, check.under) / 1000

        else:

            def compare(found: Mapping[str, Sequence[float]], check: Check = check) -> float:
                return paired_ratio(found, check.over, check.under)

        value = compare(samples)
        processes = len(result.requests[keys[0]])
        size = len(samples[keys[0]]) // processes
        by_process = [
            compare({key: samples[key][n * size : (n + 1) * size] for key in keys})
            for n in range(processes)
        ]
        found.append(
            {
                "target": check.label,
                "value": value,
                "limit": check.limit,
                "unit": check.unit,
                "verdict": "PASS" if value <= check.limit else "MISS",
                "by_process": by_process,
            }
        )
    return found


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_costs(rows: Sequence[Row]) -> str:
    width = max(len(r["label"]) for r in rows)
    lines = [f"{'variant':<{width}}  {'µs/req':>9}  {'noise':>6}  {'ratio':>6}  compared with"]
    for r in rows:
        lines.append(
            f"{r['label']:<{width}}  {r['us_per_request']:>9.2f}  {r['spread']:>6.1%}  "
            f"{_ratio(r['ratio']):>6}  {r['baseline'] or '(baseline)'}"
        )
    return "\n".join(lines)


def format_rates(rows: Sequence[Row]) -> str:
    width = max(len(r["label"]) for r in rows)
    lines = [
        f"{'variant':<{width}}  {'req/s':>7}  {'noise':>6}  {'ratio':>6}  "
        f"{'server CPU µs/req':>17}  {'ratio':>6}"
    ]
    for r in rows:
        cpu = r["server_cpu_us_per_request"]
        lines.append(
            f"{r['label']:<{width}}  {r['requests_per_second']:>7.0f}  {r['spread']:>6.1%}  "
            f"{_ratio(r['ratio']):>6}  {'-' if cpu is None else f'{cpu:.1f}':>17}  "
            f"{_ratio(r['cpu_ratio']):>6}"
        )
    return "\n".join(lines)


def format_verdicts(rows: Sequence[Row]) -> str:
    width = max((len(r["target"]) for r in rows), default=0)
    lines = []
    for r in rows:
        unit = " µs" if r["unit"] == "µs" else ""
        line = (
            f"{r['verdict']}  {r['target']:<{width}}  {r['value']:.3f}{unit} "
            f"(limit {r['limit']:.2f}{unit}"
        )
        if len(r["by_process"]) > 1:
            line += f"; per process {min(r['by_process']):.3f}-{max(r['by_process']):.3f}"
        lines.append(line + ")")
    return "\n".join(lines)


def write_json(path: Path, report: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
