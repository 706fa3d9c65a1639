"""The wheel stands alone: what `squall` reads at run time is package data. Before: a wheel install
answered `squall demo` with '…/site-packages/examples/quickstart.yaml: cannot read' (exit 2)."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_carries_the_examples_the_lambda_requirements_and_the_licence(tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = tmp_path.glob("squall-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"runner/examples/quickstart.yaml", "runner/examples/seeds/004-realizar/suite.yaml",
            "runner/examples/grafana/squall-dashboard.json", "infra/lambda-requirements.txt"} <= names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)


def test_the_cli_finds_its_examples_inside_the_package_and_says_its_version() -> None:
    from runner.cli.common import EXAMPLES
    assert EXAMPLES.is_relative_to(ROOT / "runner") and (EXAMPLES / "quickstart.yaml").is_file()
    done = subprocess.run([sys.executable, "-m", "runner.cli", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.startswith("squall ")
