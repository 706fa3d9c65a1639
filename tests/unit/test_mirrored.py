"""Tests mirror the source tree: runner/load/generator.py is tested in
tests/unit/runner/load/test_generator.py (a package's __init__.py in test_<package>.py beside
the package's folder; infra/<name>.py in tests/infra/test_<name>.py), a file that imports it, or,
for an entry point that patches the interpreter as it is imported (gevent's monkey-patching), runs
it as a process: `python -m <module>`. e2e/, functional/ and e2e_emulated/ stay named by behaviour.

The modules still without theirs are listed in tests/unmirrored.txt: the list may only shrink (a
new module comes with its test file; a module that gets one leaves the list)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNMIRRORED = ROOT / "tests" / "unmirrored.txt"


def has_logic(path: Path) -> bool:
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
               for node in ast.parse(path.read_text(encoding="utf-8")).body)


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def mirror_of(path: Path) -> Path:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if parts[0] == "infra":
        return ROOT / "tests" / "infra" / f"test_{parts[-1]}.py"
    return ROOT.joinpath("tests", "unit", *parts[:-1], f"test_{parts[-1]}.py")


def imports(test: Path, module: str) -> bool:
    tree = ast.parse(test.read_text(encoding="utf-8"))
    constants = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
    if "-m" in constants and module in constants:  # run as a process: [sys.executable, "-m", MODULE, ...]
        return True
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and (
                node.module == module or (node.module + "." + node.names[0].name) == module or
                any(f"{node.module}.{alias.name}" == module for alias in node.names)):
            return True
        if isinstance(node, ast.Import) and any(alias.name == module for alias in node.names):
            return True
    return False


def unmirrored() -> list[str]:
    sources = sorted(p for top in ("runner", "analysis", "infra") for p in (ROOT / top).rglob("*.py")
                     if p.name != "__main__.py" and has_logic(p))
    return [str(p.relative_to(ROOT)) for p in sources
            if not mirror_of(p).exists() or not imports(mirror_of(p), module_of(p))]


def test_no_module_is_left_without_its_mirrored_test_file_unless_listed() -> None:
    listed = [line for line in UNMIRRORED.read_text().splitlines() if line and not line.startswith("#")]
    missing = unmirrored()
    assert sorted(set(missing) - set(listed)) == [], "a module with logic needs its mirrored test file"
    assert sorted(set(listed) - set(missing)) == [], "these have their test file now: take them off " \
                                                     "tests/unmirrored.txt"


def test_the_mirror_of_a_module_a_package_and_a_construct() -> None:
    assert mirror_of(ROOT / "runner/load/generator.py") == ROOT / "tests/unit/runner/load/test_generator.py"
    assert mirror_of(ROOT / "runner/spec/__init__.py") == ROOT / "tests/unit/runner/test_spec.py"
    assert mirror_of(ROOT / "infra/network.py") == ROOT / "tests/infra/test_network.py"
