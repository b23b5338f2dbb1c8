"""Merge the runs of ``tools/bench_versions.py`` into the saved result the chart is drawn from.

``python tools/merge_bench.py OUTPUT.json RUN.json...``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(output: Path, runs: list[Path]) -> None:
    loaded = [json.loads(run.read_text()) for run in runs]
    first = loaded[0]
    note = (
        f"In-process ASGI calls, one async JSON route, medians; FastAPI {first['fastapi']}, "
        f"Python {first['python']}."
    )
    output.write_text(json.dumps({"note": note, "runs": loaded}, indent=2) + "\n")
    print(f"{output}: {', '.join(run['label'] for run in loaded)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]])
