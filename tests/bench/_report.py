"""Turn samples into table rows and target verdicts, print them, and write them as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._stats import median, paired_ratio, spread
from ._variants import Check, Variant

Row = dict[str, Any]


def cost_rows(
    variants: Sequence[Variant],
    samples: Mapping[str, Sequence[float]],
    requests: Mapping[str, int],
) -> list[Row]:
    """One row per variant: median µs per request, its noise, and its ratio to its baseline."""
    labels = {v.key: v.label for v in variants}
    return [
        {
            "key": v.key,
            "label": v.label,
            "us_per_request": median(samples[v.key]) / 1000,
            "spread": spread(samples[v.key]),
            "requests_per_sample": requests[v.key],
            "baseline": labels.get(v.baseline or ""),
            "ratio": paired_ratio(samples, (v.key,), (v.baseline,)) if v.baseline else None,
            "samples_ns": [round(s, 1) for s in samples[v.key]],
        }
        for v in variants
    ]


def rate_rows(variants: Sequence[Variant], rates: Mapping[str, Sequence[float]]) -> list[Row]:
    """One row per variant: median requests per second and its ratio to the bare app."""
    return [
        {
            "key": v.key,
            "label": v.label,
            "requests_per_second": median(rates[v.key]),
            "spread": spread(rates[v.key]),
            "ratio": paired_ratio(rates, (v.key,), ("bare",)) if v.baseline else None,
            "rounds": [round(r, 1) for r in rates[v.key]],
        }
        for v in variants
    ]


def verdicts(checks: Sequence[Check], samples: Mapping[str, Sequence[float]]) -> list[Row]:
    found = []
    for check in checks:
        if not all(key in samples for key in (*check.over, *check.under)):
            continue
        value = paired_ratio(samples, check.over, check.under)
        found.append(
            {
                "target": check.label,
                "value": value,
                "limit": check.limit,
                "verdict": "PASS" if value <= check.limit else "MISS",
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
    lines = [f"{'variant':<{width}}  {'req/s':>9}  {'noise':>6}  {'ratio':>6}"]
    for r in rows:
        lines.append(
            f"{r['label']:<{width}}  {r['requests_per_second']:>9.0f}  {r['spread']:>6.1%}  "
            f"{_ratio(r['ratio']):>6}"
        )
    return "\n".join(lines)


def format_verdicts(rows: Sequence[Row]) -> str:
    width = max((len(r["target"]) for r in rows), default=0)
    return "\n".join(
        f"{r['verdict']}  {r['target']:<{width}}  {r['value']:.3f} (limit {r['limit']:.2f})"
        for r in rows
    )


def write_json(path: Path, report: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
