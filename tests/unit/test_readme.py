"""The spec examples in the README and the docs site are valid specs (docs that cannot drift)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from runner.spec import parse_spec

README = Path(__file__).resolve().parents[2] / "README.md"
PAGES = [README, *sorted((README.parent / "docs").glob("*.md"))]


def yaml_blocks() -> list[str]:
    return [block for page in PAGES
            for block in re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)]


def test_the_readme_s_first_spec_is_valid() -> None:
    [block] = [b for b in yaml_blocks() if "\nname: first\n" in b]
    spec = parse_spec(block, "first.yaml")
    assert [p.name for p in spec.phases] == ["warm-up", "ramp", "sustained"] and len(spec.thresholds) == 3


def test_the_readme_stays_short_and_links_only_pages_that_exist() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    for link in re.findall(r"\]\((docs/[^)#]+)", text):
        assert (README.parent / link).is_file(), link


def test_the_spec_reference_example_is_valid(tmp_path: Path) -> None:
    [block] = [b for b in yaml_blocks() if b.startswith("name: launch")]
    (tmp_path / "users.csv").write_text("name,token\nada,t-1\n")
    spec = parse_spec(block, "readme.yaml", base_dir=tmp_path)
    assert len(spec.phases) == 5 and len(spec.thresholds) == 6


def test_the_target_metrics_and_threshold_snippets_are_valid() -> None:
    aws = [b for b in yaml_blocks() if b.startswith("aws:")][0]
    base = ("name: t\ntarget: http://127.0.0.1:1\nload: {phases: [{duration: 1s, rate: 1}]}\n"
            "scenarios: [{flow: [{get: /}]}]\n")
    spec = parse_spec(base + aws, "readme.yaml")
    assert spec.aws is not None and len(spec.thresholds) == 5
    for block in yaml_blocks():
        if block.startswith("thresholds:"):
            parse_spec(base + block, "readme.yaml")
    assert yaml.safe_load([b for b in yaml_blocks() if "name: load-test" in b][0])["jobs"]


def test_the_artillery_and_locust_vocabulary_example_is_valid_with_every_profile() -> None:
    [block] = [b for b in yaml_blocks() if b.startswith("target: {url: https://api.example.com, cookies: true}")]
    # the scenarios the example's classes name, which it leaves out
    block = block.replace("scenarios:\n", "scenarios:\n"
                          "  - {name: login, weight: 0, flow: [{post: {url: /login,\n"
                          "                                            capture: [{json: $.token, as: token}]}}]}\n"
                          "  - {name: list-jobs, flow: [{get: /jobs}]}\n  - {name: create-job, flow: [{post: /jobs}]}\n")
    for profile in (None, "stress"):
        spec = parse_spec(block, "readme.yaml", profile=profile)
        assert [k.name for k in spec.user_classes] == ["Regular", "Spike"]


def test_the_grafana_dashboard_reads_the_metrics_squall_serves() -> None:
    import json
    dashboard = json.loads((README.parent / "examples" / "grafana" / "squall-dashboard.json").read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    served = re.findall(r"squall_[a-z_]+", Path(README.parent / "analysis" / "openmetrics.py").read_text())
    used = set(re.findall(r"squall_[a-z_]+", exprs))
    assert used and used <= {name + suffix for name in served for suffix in ("", "_total", "_bucket")}
