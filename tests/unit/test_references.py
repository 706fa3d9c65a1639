"""Files the source names in its docstrings and comments exist (a moved module or test left
stale pointers behind: analysis/target.py still sent readers to runner/cloudwatch.py)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PATH = re.compile(r"\b((?:runner|analysis|infra|tests|bench|docs)/[\w/-]+\.(?:py|md|json|yaml|txt))\b")


def test_every_file_the_source_names_exists() -> None:
    missing = []
    for top in ("runner", "analysis", "infra", "bench"):
        for path in sorted((ROOT / top).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                missing += [f"{path.relative_to(ROOT)}:{number}: {ref}" for ref in PATH.findall(line)
                            if not (ROOT / ref).exists()]
    assert missing == []
