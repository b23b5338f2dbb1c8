"""Draw the saved version benchmark as an SVG bar chart: this package, 0.0.5 and a bare app.

``python tools/chart.py RESULT.json OUTPUT.svg``; ``RESULT.json`` is what
``tools/bench_versions.py`` measured, merged by ``nox -s pictures -- --measure``.
"""

from __future__ import annotations

import json
import sys
from html import escape
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 760, 360
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 60, 70
COLOURS = {"bare app": "#9aa5b1", "this package": "#0f766e", "0.0.5": "#d97706"}
GROUPS = [("off", "maintenance off (200)"), ("on", "maintenance on (503)")]


def bars(result: dict[str, Any]) -> list[tuple[str, str, float, float]]:
    """(group, series, time over the bare app's, µs per request).

    Each package is divided by the bare app measured in the same process, so machines and
    moments of different speed compare; the bare app is shown as measured with this package.
    """
    runs = {run["label"]: run["us_per_request"] for run in result["runs"]}
    found = []
    for key, group in GROUPS:
        bare = runs["this package"]["bare"]
        found.append((group, "bare app", 1.0, bare))
        for label in ("this package", "0.0.5"):
            found.append((group, label, runs[label][key] / runs[label]["bare"], runs[label][key]))
    return found


def svg(result: dict[str, Any]) -> str:
    data = bars(result)
    top = max(ratio for _, _, ratio, _ in data) * 1.15
    plot_h = HEIGHT - TOP - BOTTOM
    group_w = (WIDTH - LEFT - RIGHT) / len(GROUPS)
    bar_w = group_w / 5
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="13">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="24" font-size="15" font-weight="bold">'
        "Time per request, relative to a bare app (lower is better)</text>",
        f'<text x="{LEFT}" y="44" fill="#555">{escape(result["note"])}</text>',
    ]
    for step in range(5):
        value = top * step / 4
        y = TOP + plot_h - plot_h * step / 4
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
        )
        out.append(
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#555">'
            f"{value:.1f}\u00d7</text>"
        )
    for index, (_, group) in enumerate(GROUPS):
        x0 = LEFT + index * group_w + bar_w
        series = [(name, ratio, us) for g, name, ratio, us in data if g == group]
        for offset, (name, value, us) in enumerate(series):
            x = x0 + offset * bar_w
            h = plot_h * value / top
            y = TOP + plot_h - h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w * 0.9:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[name]}"><title>{escape(name)}: '
                f"{us:.1f} µs per request</title></rect>"
            )
            label = f"{value:.2f}\u00d7"
            out.append(
                f'<text x="{x + bar_w * 0.45:.1f}" y="{y - 6:.1f}" text-anchor="middle">'
                f"{label}</text>"
            )
        out.append(
            f'<text x="{x0 + 1.5 * bar_w:.1f}" y="{HEIGHT - BOTTOM + 20}" '
            f'text-anchor="middle">{escape(group)}</text>'
        )
    for index, (name, colour) in enumerate(COLOURS.items()):
        x = LEFT + index * 170
        out.append(f'<rect x="{x}" y="{HEIGHT - 28}" width="14" height="14" fill="{colour}"/>')
        label = name if name != "0.0.5" else "fastapi-maintenance 0.0.5"
        out.append(f'<text x="{x + 20}" y="{HEIGHT - 16}">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(source: Path, output: Path) -> None:
    output.write_text(svg(json.loads(source.read_text())), encoding="utf-8")
    print(f"{output}: drawn from {source}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
