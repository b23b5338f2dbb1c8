"""Check the user guide: relative links point at files that exist, Python examples compile."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *ROOT.glob("plugins/*/README.md"),
]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def problems(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    found = []
    for target in LINK.findall(text):
        if "://" in target or target.startswith(("#", "mailto:")):
            continue
        path = (page.parent / target.split("#", 1)[0]).resolve()
        if not path.exists():
            found.append(f"{page.relative_to(ROOT)}: broken link {target}")
    for number, block in enumerate(CODE.findall(text), 1):
        try:
            compile(block, f"{page.name} block {number}", "exec")
        except SyntaxError as exc:
            found.append(f"{page.relative_to(ROOT)}: python block {number} does not compile: {exc}")
    return found


def main() -> int:
    found = [problem for page in PAGES for problem in problems(page)]
    for problem in found:
        print(problem)
    print(f"{len(PAGES)} pages checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
