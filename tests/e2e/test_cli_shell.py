"""The command line in a shell: completion scripts made from the parser itself, -q and -v."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli import squall, write_spec


def test_bash_completion_completes_subcommands_and_each_one_s_options(tmp_path: Path) -> None:
    script = squall("completion", "bash", cwd=tmp_path)
    assert script.returncode == 0
    (tmp_path / "squall.bash").write_text(script.stdout)
    probe = ('source squall.bash; COMP_WORDS=(squall ru); COMP_CWORD=1; _squall; echo "${COMPREPLY[*]}"; '
             'COMP_WORDS=(squall run --exit); COMP_CWORD=2; _squall; echo "${COMPREPLY[*]}"')
    done = subprocess.run(["bash", "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert done.stdout.splitlines() == ["run runs", "--exit-code-on-error"], done.stderr


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_other_shells_get_a_script_their_shell_reads(tmp_path: Path, shell: str) -> None:
    script = squall("completion", shell, cwd=tmp_path)
    assert script.returncode == 0 and "squall" in script.stdout
    if shutil.which(shell):
        (tmp_path / f"squall.{shell}").write_text(script.stdout)
        checked = subprocess.run([shell, "-n", f"squall.{shell}"], cwd=tmp_path, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr


def test_quiet_prints_the_summary_and_no_progress(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:2ms")
    spec = str(write_spec(tmp_path, demo.url, duration="1s"))
    quiet = squall("run", spec, "-q", "--store", "s", "--workers", "1", cwd=tmp_path)
    assert quiet.returncode == 0 and "VERDICT: PASS" in quiet.stdout
    assert "arrivals" not in quiet.stderr  # no progress line (non-terminal runs print one every 5 s otherwise)
    verbose = squall("run", spec, "-v", "--store", "s", "--workers", "1", cwd=tmp_path)
    assert verbose.returncode == 0 and verbose.stderr.count("\n") > quiet.stderr.count("\n")


def test_schema_prints_the_schema_an_editor_reads_and_the_examples_pass_it(tmp_path: Path) -> None:
    import json

    import jsonschema
    import yaml
    spec, suite = squall("schema", cwd=tmp_path), squall("schema", "--suite", cwd=tmp_path)
    assert spec.returncode == 0 and suite.returncode == 0
    quickstart = Path(__file__).resolve().parents[2] / "examples" / "quickstart.yaml"
    jsonschema.validate(yaml.safe_load(quickstart.read_text()), json.loads(spec.stdout))
    assert json.loads(suite.stdout)["title"] == "Squall suite"
