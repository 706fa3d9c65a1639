"""No function in runner/, analysis/ or infra/ is more complex than 15 (radon's cyclomatic count,
which is stricter than ruff's C901: it counts boolean operators and comprehensions too) without a
one-line reason on the line above its `def` (or its decorators): `# complexity: why`."""
from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Function

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 15
MARK = "# complexity:"


def functions(path: Path) -> list[Function]:
    """Every function and method (radon lists a class's methods beside the class itself)."""
    return [block for block in cc_visit(path.read_text(encoding="utf-8")) if isinstance(block, Function)]


def reason_above(lines: list[str], def_line: int) -> str | None:
    """The `# complexity:` comment above the def on ``def_line`` (1-based), past its decorators."""
    at = def_line - 2
    while at >= 0 and lines[at].strip().startswith("@"):
        at -= 1
    text = lines[at].strip() if at >= 0 else ""
    return text[len(MARK):].strip() if text.startswith(MARK) else None


def test_every_function_past_the_limit_says_why() -> None:
    unexplained = []
    for path in sorted(p for top in ("runner", "analysis", "infra") for p in (ROOT / top).rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for function in functions(path):
            if function.complexity > LIMIT and not reason_above(lines, function.lineno):
                unexplained.append(f"{path.relative_to(ROOT)}:{function.lineno} {function.fullname} "
                                   f"({function.complexity})")
    assert unexplained == [], "split these, or say why not on the line above the def (# complexity: …):\n" + \
        "\n".join(unexplained)


def test_a_reason_is_read_past_decorators_and_only_right_above() -> None:
    lines = ["# complexity: one check per key", "@staticmethod", "def f():", "", "x = 1", "def g():"]
    assert reason_above(lines, 3) == "one check per key"
    assert reason_above(lines, 6) is None
