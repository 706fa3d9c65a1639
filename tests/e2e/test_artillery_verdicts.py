"""An Artillery script run directly is judged as Artillery judges it: its exit code comes from its
ensure checks alone (artillery-plugin-ensure; without them Artillery exits 0 whatever the errors),
and `-e NAME` merges that environment's ensure over the script's (Artillery merges the
environment's config over the script's). Before: Squall added `error_rate < 1%` to a script
without ensure and failed it, and dropped an ensure written inside an environment."""
from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import squall
from tests.e2e_emulated.test_secrets import Recorder, recorder  # noqa: F401 - the fixture

SCRIPT = """
config:
  target: "{url}"
  phases:
    - {{duration: 3, arrivalRate: 40}}
  environments:
    strict:
      ensure: {{maxErrorRate: 1}}
scenarios:
  - flow:
      - get: {{url: /gallery}}
"""


def test_a_script_without_ensure_passes_with_errors_and_an_environment_s_ensure_gates(tmp_path: Path,
                                                                                      demo_target) -> None:
    demo = demo_target(latency="fixed:1ms", error_rate=0.05)  # ~5 % 502s
    (tmp_path / "script.yml").write_text(SCRIPT.format(url=demo.url))
    done = squall("run", "script.yml", "--store", "s", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "VERDICT: PASS" in done.stdout and "error rate" in done.stdout  # shown, not judged
    assert "no thresholds" in done.stderr
    [result_file] = (tmp_path / "s" / "runs").glob("*/result.json")
    result = json.loads(result_file.read_text())
    assert result["overall"]["errors"] > 0 and result["verdict"]["thresholds"] == []
    strict = squall("run", "script.yml", "-e", "strict", "--store", "s2", "--workers", "1", cwd=tmp_path)
    assert strict.returncode == 1, strict.stdout[-2000:] + strict.stderr[-2000:]
    assert "error_rate <= 1%: measured" in strict.stdout


def test_a_virtual_user_that_started_finishes_its_scenario_as_under_artillery(tmp_path: Path, demo_target) -> None:
    """A scenario of 12 one-second thinks started in the last second of the phases: Artillery lets it
    finish. Before: cut at the spec's 10 s drain, its requests cancelled and the run INCONCLUSIVE."""
    demo = demo_target(latency="fixed:1ms")
    (tmp_path / "loop.yml").write_text(f"""
config:
  target: "{demo.url}"
  phases: [{{duration: 1, arrivalRate: 2}}]
scenarios:
  - flow:
      - loop:
          - get: {{url: /health}}
          - think: 1
        count: 12
""")
    done = squall("run", "loop.yml", "--store", "s", "--workers", "1", cwd=tmp_path, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert sum(demo.state.seen.values()) == 24  # 2 users x 12, every one answered
    assert "finish their scenario" in done.stderr


def test_artillery_s_output_variables_and_report_have_their_counterparts(tmp_path: Path,
                                                                         recorder: int) -> None:  # noqa: F811
    """`artillery run --output r.json --variables '{…}' script.yml` then `artillery report r.json`:
    before, --output and --variables were unknown options and nothing pointed to a counterpart."""
    (tmp_path / "v.yml").write_text(f"""
config:
  target: "http://127.0.0.1:{recorder}"
  phases: [{{duration: 1, arrivalRate: 4}}]
scenarios:
  - flow:
      - get: {{url: "/status/{{{{ job }}}}"}}
""")
    done = squall("run", "v.yml", "--store", "s", "--workers", "1", "--output", "out/r.json", "--variables",
                  '{"job": ["j-7"]}', cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert [path for _, path in Recorder.seen] == ["/status/j-7"] * 4  # the value given, as Artillery sends it
    result = json.loads((tmp_path / "out" / "r.json").read_text())
    assert list(result["endpoints"]) == ["GET /status/{{ job }}"] and result["overall"]["requests"] == 4
    rendered = squall("report", "out/r.json", "--format", "md", cwd=tmp_path)
    assert rendered.returncode == 0 and result["run_id"] in rendered.stdout


def test_every_artillery_fixture_imports_to_a_spec_that_validates(tmp_path: Path) -> None:
    """`squall import` writes only what validates: each Artillery script in tests/ round-trips."""
    root = Path(__file__).resolve().parents[2]
    scripts = sorted((root / "tests" / "data" / "artillery").glob("*.yml"))
    assert scripts
    for script in scripts:
        written = tmp_path / f"{script.stem}.yaml"
        done = squall("import", "artillery", str(script), "-o", str(written), cwd=script.parent)
        assert done.returncode == 0, done.stderr
        valid = squall("validate", str(written), cwd=script.parent)
        assert valid.returncode == 0, valid.stderr
