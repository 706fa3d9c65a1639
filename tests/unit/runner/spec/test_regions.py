"""A region's part of a run across regions, as a spec document: arrivals scaled by its share,
users and iterations split in whole numbers adding up to the run's, sequence data dealt out, and
only the thresholds naming it."""
from __future__ import annotations

import pytest

from runner.spec import parse_spec
from runner.spec.regions import RegionSplitError, region_document
from runner.spec.validate import build_spec
from runner.spec.yamlsource import Source

SHARES = {"us-east-1": 0.6, "eu-west-1": 0.4}
DOCUMENT = {
    "name": "shop", "target": "http://127.0.0.1:9",
    "load": {"phases": [{"name": "warm", "duration": "10s", "rate": "10/s", "ramp_to": "50/s"},
                        {"duration": "5s", "pause": True},
                        {"name": "users", "duration": "20s", "users": 5, "spawn_rate": "5/s"},
                        {"name": "one", "duration": "10s", "users": 1}]},
    "scenarios": [{"flow": [{"get": "/items/{{ sku }}"}]}],
    "data": {"sku": {"values": [f"s{n}" for n in range(10)], "order": "sequence"},
             "word": {"values": ["a", "b"], "order": "random"}},
    "regions": {"us-east-1": "60%", "eu-west-1": "40%"},
    "thresholds": ["p95 < 300ms", {"check": "p95 < 200ms", "region": "eu-west-1"},
                   {"check": "error_rate < 1%", "region": "us-east-1"}],
}


def test_arrivals_are_scaled_and_users_split_so_the_regions_add_up_to_the_run() -> None:
    east, west = (region_document(DOCUMENT, region, SHARES)["load"]["phases"] for region in SHARES)
    assert (east[0]["rate"], east[0]["ramp_to"]) == ("6/s", "30/s")
    assert (west[0]["rate"], west[0]["ramp_to"]) == ("4/s", "20/s")
    assert east[1] == west[1] == {"duration": "5s", "pause": True}
    assert (east[2]["users"], west[2]["users"]) == (3, 2)
    assert (east[2]["spawn_rate"], west[2]["spawn_rate"]) == ("3/s", "2/s")


def test_a_region_left_without_users_waits_the_phase_out_so_its_timeline_stays_the_run_s() -> None:
    east, west = (region_document(DOCUMENT, region, SHARES)["load"]["phases"] for region in SHARES)
    assert east[3] == {"name": "one", "duration": "10s", "users": 1}
    assert west[3] == {"name": "one", "duration": "10s", "pause": True}


def test_rows_read_in_sequence_are_dealt_out_and_random_ones_kept_whole() -> None:
    east, west = (region_document(DOCUMENT, region, SHARES)["data"] for region in SHARES)
    assert east["sku"]["values"] + west["sku"]["values"] == DOCUMENT["data"]["sku"]["values"]
    assert len(east["sku"]["values"]) == 6
    assert east["word"] == west["word"] == DOCUMENT["data"]["word"]


def test_a_region_s_part_judges_only_the_thresholds_that_name_it_and_builds_as_a_spec() -> None:
    west = region_document(DOCUMENT, "eu-west-1", SHARES)
    assert west["thresholds"] == [{"check": "p95 < 200ms"}]
    assert "regions" not in west
    spec = build_spec(Source("part", west), base_dir=None)
    assert [t.text for t in spec.thresholds] == ["p95 < 200ms"] and spec.regions == ()
    assert spec.phases[0].start == pytest.approx(4.0) and spec.phases[0].end == pytest.approx(20.0)


def test_iterations_a_region_would_not_get_are_refused() -> None:
    document = {**DOCUMENT, "load": {"phases": [{"users": 1, "iterations": 1}]}}
    with pytest.raises(RegionSplitError, match="eu-west-1 would get none of its iterations"):
        region_document(document, "eu-west-1", SHARES)


def test_the_spec_reads_its_regions_and_a_threshold_s_region() -> None:
    spec = parse_spec("name: r\ntarget: http://127.0.0.1:9\nload: {phases: [{duration: 10s, rate: 10/s}]}\n"
                      "scenarios: [{flow: [{get: /}]}]\nregions: [us-east-1, eu-west-1]\n"
                      "thresholds: [{check: p95 < 200ms, region: eu-west-1}]\n", "r.yaml")
    assert spec.regions == (("us-east-1", 0.5), ("eu-west-1", 0.5))
    assert spec.thresholds[0].region == "eu-west-1" and spec.thresholds[0].label == "p95 < 200ms in eu-west-1"


def test_the_run_s_abort_rules_go_to_every_region_s_part() -> None:
    document = {**DOCUMENT, "thresholds": [*DOCUMENT["thresholds"], {"check": "error_rate < 5%", "abort": True}]}
    assert region_document(document, "us-east-1", SHARES)["thresholds"] == [
        {"check": "error_rate < 1%"}, {"check": "error_rate < 5%", "abort": True}]


def test_every_region_s_part_comes_with_its_spec_built() -> None:
    from runner.spec.regions import region_parts
    parts = region_parts({k: v for k, v in DOCUMENT.items() if k != "data"} | {"scenarios": [{"flow": [{"get": "/"}]}]},
                         SHARES, "shop.yaml")
    (east_document, east), (_, west) = parts["us-east-1"], parts["eu-west-1"]
    assert east_document["load"]["phases"][0]["rate"] == "6/s"
    assert (east.phases[2].start, west.phases[2].start) == (3, 2)
