"""The one-way import rule (runner/README.md): every import in runner/, analysis/ and infra/,
lazy ones inside functions included, read from the source, checked against what its package
may import; and no import circle between modules."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Package (as a module prefix) -> module prefixes it must never import.
BACKENDS_AND_UP = ("runner.load", "runner.local", "runner.aws", "runner.results", "runner.demo", "runner.console",
                   "runner.cli")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "analysis": ("runner", "infra", "boto3", "botocore", "httpx", "aiohttp", "aws_lambda_powertools"),
    "infra": ("runner", "analysis"),  # but runner.contract, which imports nothing (ALLOWED)
    "runner.spec": BACKENDS_AND_UP,
    "runner.importers": (*BACKENDS_AND_UP, "runner.spec"),
    "runner.load": ("runner.local", "runner.aws", "runner.results", "runner.demo", "runner.console", "runner.cli",
                    "runner.importers"),
    "runner.results": ("runner.load", "runner.local", "runner.aws", "runner.demo", "runner.console", "runner.cli"),
    "runner.aws": ("runner.local", "runner.demo", "runner.console", "runner.cli"),
    "runner.local": ("runner.aws", "runner.demo", "runner.console", "runner.cli"),
    "runner.demo": ("runner.load", "runner.local", "runner.aws", "runner.results", "runner.console", "runner.cli"),
    "runner.console": ("runner.load", "runner.local", "runner.demo", "runner.cli"),  # beside cli: runs in a process
    "runner.cli": (),  # the top: parses, prints, picks a backend
}
ALLOWED = {"infra": ("runner.contract",)}  # exceptions to FORBIDDEN, by package
CORE_FORBIDDEN = BACKENDS_AND_UP  # runner/*.py: the shared core both backends use


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> list[Path]:
    return sorted(p for top in ("runner", "analysis", "infra") for p in (ROOT / top).rglob("*.py"))


def imports_of(path: Path, top_level_only: bool = False) -> list[tuple[int, str]]:
    """(line, imported module) for every import; with top_level_only, those at module level
    (TYPE_CHECKING ones included: a circle for the type checker is a circle), not in functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, at_import_time: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                if at_import_time or not top_level_only:
                    found.extend((child.lineno, alias.name) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                if at_import_time or not top_level_only:
                    found.append((child.lineno, child.module))
                    found.extend((child.lineno, f"{child.module}.{alias.name}") for alias in child.names)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(child, False)
            else:
                visit(child, at_import_time)

    visit(tree, True)
    return found


def rule_for(module: str) -> tuple[str, tuple[str, ...]]:
    for package in sorted(FORBIDDEN, key=len, reverse=True):
        if module == package or module.startswith(package + "."):
            return package, FORBIDDEN[package]
    return "runner (core)", CORE_FORBIDDEN


def matches(imported: str, prefix: str) -> bool:
    return imported == prefix or imported.startswith(prefix + ".")


def test_no_module_imports_upwards() -> None:
    violations = []
    for path in source_modules():
        module = module_name(path)
        package, forbidden = rule_for(module)
        for line, imported in imports_of(path):
            if any(matches(imported, prefix) for prefix in forbidden) and not any(
                    matches(imported, allowed) for allowed in ALLOWED.get(package, ())):
                violations.append(f"{path.relative_to(ROOT)}:{line}: {module} ({package}) imports {imported}")
    assert violations == []


def test_the_rule_catches_a_forbidden_import(tmp_path: Path) -> None:
    """The checker itself sees imports inside functions, as a load/ module might try."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from runner.aws.s3store import S3Store\n    return S3Store\n")
    _, forbidden = rule_for("runner.load.flow")
    assert [(line, name) for line, name in imports_of(bad) if any(matches(name, p) for p in forbidden)] == \
        [(2, "runner.aws.s3store"), (2, "runner.aws.s3store.S3Store")]
    assert imports_of(bad, top_level_only=True) == []


def test_no_import_circles() -> None:
    """Module-level imports between our own modules form no cycle."""
    modules = {module_name(p): p for p in source_modules()}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        graph[module] = {name for _, name in imports_of(path, top_level_only=True) if name in modules} - {module}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module)
    assert cycles == []


def test_runner_top_level_stays_small() -> None:
    """The shared core only: everything else lives in a package named after where it runs."""
    # datafiles: read by the spec and the importers alike; contract: what the stack and the runner agree on;
    # collect_budget: collect's time and memory, which Plan (aws/) and the estimate (core) both judge by
    assert len(list((ROOT / "runner").glob("*.py"))) <= 15


def test_the_contract_between_stack_and_runner_imports_nothing_of_the_project() -> None:
    imported = [name for _, name in imports_of(ROOT / "runner" / "contract.py")
                if name.split(".")[0] in ("runner", "analysis", "infra")]
    assert imported == []
