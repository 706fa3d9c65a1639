"""A run across regions joined: each region's part read from its own store, merged with its
histograms merged, judged once and written to the home store as an ordinary run with each region's
numbers beside the run's."""
from __future__ import annotations

from pathlib import Path

from analysis.histogram import Histogram
from analysis.shard import Shard
from analysis.stats import EndpointStats, HealthStats, Window
from runner.guardrails import HostPolicy
from runner.plan import make_plan
from runner.prepare import prepare_run
from runner.results.joined import Part, join_parts
from runner.spec import parse_spec
from runner.spec.regions import region_document
from runner.spec.validate import build_spec
from runner.spec.yamlsource import Source
from runner.store import LocalStore, put_shard, run_prefix

SPEC = ("name: shop\ntarget: http://127.0.0.1:1\nload: {phases: [{duration: 2s, rate: 50/s}]}\n"
        "scenarios: [{flow: [{get: {url: /, name: GET /}}]}]\nregions: {us-east-1: 60%, eu-west-1: 40%}\n"
        "thresholds: [error_rate < 1%, {check: p95 < 50ms, region: eu-west-1}]\n")
AGREED = 1_000.0


def part(tmp_path: Path, region: str, latencies_ms: list[int]) -> Part:
    """A region's part as its collect leaves it: planned from its share, one worker's shard."""
    spec = parse_spec(SPEC, "shop.yaml")
    document = region_document(spec.raw, region, dict(spec.regions))
    part_spec = build_spec(Source(f"{region}'s part", document), base_dir=None)
    run_id = f"r1.{region}"
    store = LocalStore(tmp_path / region)
    prepare_run(store, part_spec, make_plan(part_spec, run_id, 1, workers=1),
                {"run_id": run_id, "backend": "aws", "started_at_epoch_s": AGREED}, "fast", 1.0, None, sliced=True,
                hosts=HostPolicy.local(part_spec, ()))
    store.put_json(run_prefix(run_id) + "slices/0.start.json", {"start_at_epoch_s": AGREED + 0.25})
    stats = EndpointStats(requests=len(latencies_ms), responses=len(latencies_ms), statuses={"200": len(latencies_ms)},
                          latency=Histogram.of([ms * 1000 for ms in latencies_ms]))
    put_shard(store, Shard(run_id, 0, 0, 0, {0: Window(endpoints={"GET /": stats},
                                                       health=HealthStats(intended=len(latencies_ms)))}, final=True))
    return Part(region, dict(spec.regions)[region], run_id, store, clock_offset_s=0.1, clock_bound_s=0.6)


def test_the_parts_join_into_one_run_with_each_region_s_numbers_beside_it(tmp_path: Path) -> None:
    spec = parse_spec(SPEC, "shop.yaml")
    home = LocalStore(tmp_path / "home")
    parts = [part(tmp_path, "us-east-1", [10] * 60), part(tmp_path, "eu-west-1", [80] * 40)]
    result = join_parts(home, "r1", spec, parts, {"run_id": "r1", "spec_name": "shop", "backend": "aws",
                                                  "target_url": spec.target.base_url}, AGREED)
    assert result["overall"]["requests"] == 100
    assert result["overall"]["latency"]["p95_ms"] == Histogram.of([10_000] * 60 + [80_000] * 40).percentile_us(95) / 1000
    rows = {row["region"]: row for row in result["regions"]}
    assert rows["us-east-1"]["overall"]["requests"] == 60 and rows["eu-west-1"]["overall"]["requests"] == 40
    assert rows["eu-west-1"]["start_late_s"] == 0.25 and rows["eu-west-1"]["clock_offset_s"] == 0.1
    assert result["verdict"]["status"] == "FAIL"
    assert result["verdict"]["reasons"] == ["p95 < 50ms in eu-west-1: measured 80.00 ms"]
    assert home.get_json("runs/r1/summary.json")["verdict"] == "FAIL"
    assert home.exists("runs/r1/reports/report.html")


def test_a_region_that_never_planned_is_named_and_the_others_numbers_kept(tmp_path: Path) -> None:
    spec = parse_spec(SPEC, "shop.yaml")
    home = LocalStore(tmp_path / "home")
    parts = [part(tmp_path, "us-east-1", [10] * 60),
             Part("eu-west-1", 0.4, "r1.eu-west-1", None, "stack Squall not found in eu-west-1")]
    result = join_parts(home, "r1", spec, parts, {"run_id": "r1", "spec_name": "shop", "backend": "aws",
                                                  "target_url": spec.target.base_url}, AGREED)
    assert result["overall"]["requests"] == 60
    assert result["verdict"]["status"] == "INCONCLUSIVE"
    assert result["regions"][1] == {"region": "eu-west-1", "share": 0.4, "run_id": "r1.eu-west-1",
                                    "clock_offset_s": None, "clock_bound_s": None, "state": "missing",
                                    "why": "stack Squall not found in eu-west-1"}
    assert result["verdict"]["generator_problems"][0].startswith(
        "eu-west-1 sent nothing (stack Squall not found in eu-west-1): its 40% of the load is missing")


def test_the_reports_show_the_regions_side_by_side(tmp_path: Path) -> None:
    spec = parse_spec(SPEC, "shop.yaml")
    home = LocalStore(tmp_path / "home")
    parts = [part(tmp_path, "us-east-1", [10] * 60),
             Part("eu-west-1", 0.4, "r1.eu-west-1", None, "stack Squall not found in eu-west-1")]
    join_parts(home, "r1", spec, parts, {"run_id": "r1", "spec_name": "shop", "backend": "aws",
                                         "target_url": spec.target.base_url}, AGREED)
    html = home.get_bytes("runs/r1/reports/report.html").decode()
    assert "<h2>Regions</h2>" in html and "sent nothing: stack Squall not found in eu-west-1" in html
    markdown = home.get_bytes("runs/r1/reports/report.md").decode()
    assert "| us-east-1 | 60% | 60 |" in markdown
    assert "`p95 < 50ms` in `eu-west-1`" in markdown


def test_the_csv_reports_tag_each_region_s_rows_with_its_region(tmp_path: Path) -> None:
    spec = parse_spec(SPEC, "shop.yaml")
    home = LocalStore(tmp_path / "home")
    parts = [part(tmp_path, "us-east-1", [10] * 60), part(tmp_path, "eu-west-1", [80] * 40)]
    join_parts(home, "r1", spec, parts, {"run_id": "r1", "spec_name": "shop", "backend": "aws",
                                         "target_url": spec.target.base_url}, AGREED)
    rows = home.get_bytes("runs/r1/reports/regions_stats.csv").decode().splitlines()
    assert rows[0].startswith("Region,Type,Name,Request Count,Failure Count")
    assert [row.split(",")[:4] for row in rows[1:]] == [
        ["us-east-1", "GET", "/", "60"], ["us-east-1", "", "Aggregated", "60"],
        ["eu-west-1", "GET", "/", "40"], ["eu-west-1", "", "Aggregated", "40"]]
