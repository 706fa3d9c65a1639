"""The five teams' suites (../shared/seeds) written as Squall specs (examples/seeds): every one
validates with each of its profiles, and runs, shortened, against the demo API."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from runner.spec import load_spec, spec_profiles

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "examples" / "seeds"
SPECS = sorted(p for p in SEEDS.rglob("*.yaml") if p.name != "suite.yaml")


def squall(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=180, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: str(p.relative_to(SEEDS)))
def test_every_seed_spec_and_profile_is_valid(spec: Path) -> None:
    for profile in [None, *spec_profiles(spec)]:
        load_spec(spec, profile=profile)


def shortened(spec: Path) -> list[str]:
    """--set for each phase: 2 s, so the whole spec runs in seconds (fixed iterations are kept)."""
    loaded = load_spec(spec)
    return [f"--set=load.phases.{i}.duration=2s" for i, p in enumerate(loaded.phases) if p.iterations is None]


@pytest.mark.functional
@pytest.mark.parametrize("seed, extra", [
    ("000-image-api.yaml", ()), ("001-plot-palette.yaml", ()), ("002-prompt-service.yaml", ()),
    ("003-aurax.yaml", ()), ("003-aurax.yaml", ("--tags", "health")), ("001-plot-palette.yaml", ("--tags", "spike")),
])
def test_each_seed_runs_shortened_against_the_demo_api_and_passes(tmp_path: Path, demo_target, seed: str,
                                                                  extra: tuple[str, ...]) -> None:
    demo = demo_target(latency="fixed:2ms")
    spec = SEEDS / seed
    done = squall("run", str(spec), "--target", demo.url, "--store", "s", "--workers", "1", "--seed", "5",
                  *shortened(spec), *extra, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2500:] + done.stderr[-1500:]
    result = json.loads(next((tmp_path / "s" / "runs").glob("*/result.json")).read_text())
    assert result["verdict"]["status"] == "PASS" and result["overall"]["requests"] > 0
    if extra == ("--tags", "health"):
        assert set(result["endpoints"]) == {"GET /health"}


@pytest.mark.functional
def test_the_hand_written_suite_runs_as_one_suite(tmp_path: Path, demo_target) -> None:
    """Seed 004's seven tests: the suite file as written, each test shortened (the spike's three phases too)."""
    demo = demo_target(latency="fixed:2ms")
    folder = SEEDS / "004-realizar"
    lines = ["suite: realizar", "tests:"]
    for name in (line.strip("- ").strip() for line in (folder / "suite.yaml").read_text().splitlines()
                 if line.startswith("  - ")):
        sets = ", ".join(f'"{s.removeprefix("--set=")}"' for s in shortened(folder / name))
        lines.append(f"  - {{spec: {folder / name}, set: [{sets}]}}")
    (tmp_path / "suite.yaml").write_text("\n".join(lines) + "\n")
    done = squall("run", "suite.yaml", "--target", demo.url, "--store", "s", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1500:]
    assert "Squall suite realizar: 7 tests" in done.stdout and "SUITE: PASS" in done.stdout
    runs = [json.loads(p.read_text()) for p in (tmp_path / "s" / "runs").glob("*/result.json")]
    by_name = {r["spec_name"]: r["overall"]["requests"] for r in runs}
    assert by_name["realizar-health"] == 100 and by_name["realizar-batch-generate"] == 15  # hey -n, exactly
