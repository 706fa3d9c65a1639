"""Endpoint names stay bounded: a locustfile that puts an id in every request's path (no name=)
made a name, a histogram and a result row per request (124,907 names, a 101 MB result.json and
1.68 GB of worker memory in a minute). Past limits.max_endpoints, new names fold into one row
whose counts are exact, and the summary says so with examples and how to name requests."""
from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import squall

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "tests" / "data" / "locust" / "random_paths.py"


def test_a_name_per_request_folds_past_the_limit(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:1ms")
    done = squall("run", str(LOCUSTFILE), "-u", "4", "-t", "4s", "-H", demo.url, "--workers", "2", "--store", "s",
                  "--set", "limits.max_endpoints=50", cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    [result_file] = (tmp_path / "s" / "runs").glob("*/result.json")
    result = json.loads(result_file.read_text())
    endpoints = result["endpoints"]
    assert len(endpoints) == 50 and "(other endpoints)" in endpoints  # 49 names and the fold
    other = endpoints["(other endpoints)"]
    assert other["requests"] == result["overall"]["requests"] - 49  # every request counted, once
    assert result["overall"]["requests"] == sum(demo.state.seen.values())
    folded = result["endpoints_folded"]
    assert folded["requests"] == other["requests"] and len(folded["examples"]) == 5
    assert all(name.startswith("GET /gallery?item=") for name in folded["examples"])
    assert "more than 50 endpoint names" in done.stdout and "name= in Locust" in done.stdout
