"""Squall's user classes against Locust itself: the same two classes (tests/data/locust), run by
Locust's own headless runner and by `squall run` on the same local server, must send the same
share of requests to each endpoint (within 3 percentage points) and log in once per user."""
from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Squall and Locust compared in the same seconds: alone, after the parallel tests (Makefile), so neither side
# is starved by the others
pytestmark = pytest.mark.serial

LOCUSTFILE = Path(__file__).resolve().parents[1] / "data" / "locust" / "two_classes.py"
ROOT = Path(__file__).resolve().parents[2]
USERS, SECONDS = 16, 10

SPEC = """
name: two-classes
target: "{url}"
load: {{phases: [{{duration: {seconds}s, users: {users}, spawn_rate: 100/s}}]}}
scenarios:
  - name: login
    weight: 0
    flow: [{{post: {{url: /login, name: POST /login, json: {{user: u}}, capture: [{{json: $.token, as: token}}]}}}}]
  - name: list_jobs
    flow: [{{get: {{url: /jobs, name: GET /jobs, headers: {{Authorization: "Bearer {{{{ token }}}}"}}}}}}]
  - name: create_job
    flow: [{{post: {{url: /jobs, name: POST /jobs, json: {{template: tpl-1}},
                     headers: {{Authorization: "Bearer {{{{ token }}}}"}}}}}}]
  - {{name: stats, flow: [{{get: {{url: /admin/stats, name: GET /admin/stats}}}}]}}
  - {{name: templates, flow: [{{get: {{url: /templates, name: GET /templates}}}}]}}
user_classes:
  - {{name: Regular, weight: 3, on_start: login, wait: 10ms..30ms, tasks: {{list_jobs: 3, create_job: 1}}}}
  - {{name: Admin, weight: 1, wait: 20ms, tasks: [stats, templates]}}
"""


def shares(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {name: count / total for name, count in counts.items()}


@pytest.mark.functional
def test_squall_sends_what_locust_sends_for_the_same_user_classes(tmp_path: Path, demo_target) -> None:
    demo = demo_target(latency="fixed:1ms")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    locust = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(USERS), "-r", "100",
         "-t", f"{SECONDS}s", "--host", demo.url, "--csv", str(tmp_path / "locust"), "--only-summary",
         "--loglevel", "WARNING"], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert locust.returncode == 0, locust.stderr[-2000:]
    with open(tmp_path / "locust_stats.csv", newline="") as stats:
        by_locust = {f"{row['Type']} {row['Name']}": int(row["Request Count"]) for row in csv.DictReader(stats)
                     if row["Name"] != "Aggregated"}
    spec = tmp_path / "two-classes.yaml"
    spec.write_text(SPEC.format(url=demo.url, users=USERS, seconds=SECONDS))
    squall = subprocess.run([sys.executable, "-m", "runner.cli", "run", str(spec), "--store", "s", "--workers", "2",
                             "--seed", "3"], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert squall.returncode == 0, squall.stdout[-3000:] + squall.stderr[-2000:]
    result = json.loads(next((tmp_path / "s" / "runs").glob("*/result.json")).read_text())
    by_squall = {name: e["requests"] for name, e in result["endpoints"].items()}
    assert by_squall["POST /login"] == by_locust["POST /login"] == USERS * 3 // 4  # one login per Regular user
    tasks_locust = shares({k: v for k, v in by_locust.items() if k != "POST /login"})
    tasks_squall = shares({k: v for k, v in by_squall.items() if k != "POST /login"})
    assert set(tasks_squall) == set(tasks_locust) == {"GET /jobs", "POST /jobs", "GET /admin/stats", "GET /templates"}
    for name, share in tasks_locust.items():
        assert abs(tasks_squall[name] - share) <= 0.03, (name, tasks_squall, tasks_locust)
    assert sum(by_squall.values()) > 2_000 and sum(by_locust.values()) > 2_000  # enough for 3 points to mean something


LOCUSTFILES = Path(__file__).resolve().parents[1] / "data" / "locust"


def locust_failure_class(error: str) -> str:
    """Locust's failure text as the class Squall files it under."""
    if error.startswith("CatchResponseError("):
        return "failure: " + error[len("CatchResponseError('"):-2]
    if error.startswith("HTTPError('4"):
        return "http_429" if error.startswith("HTTPError('429") else "http_4xx"
    return "http_5xx" if error.startswith("HTTPError('5") else error


def csv_rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def kind(value: str) -> str:
    """What kind of value a CSV cell holds, as tooling reading Locust's files would take it."""
    if value in ("", "N/A"):
        return value or "empty"
    if value.isdigit():
        return "integer"
    try:
        float(value)
        return "decimal"
    except ValueError:
        return "time" if len(value) == 20 and value.endswith("Z") and value[10] == "T" else "text"


@pytest.mark.functional
def test_a_locustfile_run_by_squall_counts_what_locust_counts(tmp_path: Path, demo_target) -> None:
    """Bring your locustfile: the same file run by Locust's headless runner and by `squall run`
    on two workers: each endpoint's share of the requests within what the sample sizes allow, one
    login per Member user, and the same failures (a catch_response failure and a 404) under the
    same endpoints."""
    demo = demo_target(latency="fixed:1ms")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    common = ["-u", "8", "-r", "100", "-t", "5s", "-H", demo.url]
    locust = subprocess.run([sys.executable, "-m", "locust", "-f", str(LOCUSTFILES / "paced.py"), "--headless",
                             *common, "--csv", str(tmp_path / "locust"), "--only-summary", "--loglevel", "WARNING"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert locust.returncode in (0, 1), locust.stderr[-2000:]  # 1: Locust exits 1 when a request failed
    with open(tmp_path / "locust_stats.csv", newline="") as stats:
        rows = [row for row in csv.DictReader(stats) if row["Name"] != "Aggregated"]
    locust_rates = {f"{r['Type']} {r['Name']}": float(r["Requests/s"]) for r in rows}
    locust_counts = {f"{r['Type']} {r['Name']}": int(r["Request Count"]) for r in rows}
    with open(tmp_path / "locust_failures.csv", newline="") as failures:
        locust_failures = {(f"{r['Method']} {r['Name']}", locust_failure_class(r["Error"]))
                           for r in csv.DictReader(failures)}
    squall = subprocess.run([sys.executable, "-m", "runner.cli", "run", str(LOCUSTFILES / "paced.py"), *common,
                             "--workers", "2", "--store", "s", "--csv", str(tmp_path / "squall")],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert squall.returncode == 1, squall.stdout[-3000:] + squall.stderr[-2000:]  # error_rate < 1% fails
    result = json.loads(next((tmp_path / "s" / "runs").glob("*/result.json")).read_text())
    endpoints = result["endpoints"]
    assert set(endpoints) == set(locust_rates)
    assert endpoints["POST /login"]["requests"] == locust_counts["POST /login"] == 6  # 6 Members, one login each
    # each endpoint's share of the requests, within what the sample sizes allow (rates over 5 s on a
    # busy machine differ by more than any real difference between the two: 40/s against 33.6/s once)
    paced = [name for name in locust_rates if name != "POST /login"]
    squall_counts = {name: endpoints[name]["requests"] for name in paced}
    ours, theirs = sum(squall_counts.values()), sum(locust_counts[name] for name in paced)
    for name in paced:
        share, their_share = squall_counts[name] / ours, locust_counts[name] / theirs
        pooled = (squall_counts[name] + locust_counts[name]) / (ours + theirs)
        allowed = 4 * math.sqrt(pooled * (1 - pooled) * (1 / ours + 1 / theirs)) + 0.01
        assert abs(share - their_share) <= allowed, (name, share, their_share, allowed)
    squall_failures = {(name, kind) for name, e in endpoints.items() for kind in e["errors_by_class"]}
    assert squall_failures == locust_failures == {("GET /health (expects down)", "failure: health says ok"),
                                                  ("GET /nothing-here", "http_4xx")}
    assert "run by Locust on its own timings" in squall.stdout
    assert (tmp_path / "squall_stats.csv").read_text().startswith("Type,Name,Request Count,Failure Count")
    with open(tmp_path / "locust_exceptions.csv", newline="") as raised:
        by_locust = {row["Message"]: int(row["Count"]) for row in csv.DictReader(raised)}
    with open(tmp_path / "squall_exceptions.csv", newline="") as raised:
        by_squall = {row["Message"]: int(row["Count"]) for row in csv.DictReader(raised)}
    assert list(by_locust) == ["the page parser broke"] == list(by_squall)  # str(exception), as Locust writes it
    # the raising task ends every visit that GET /jobs began, in both; a visit the end of the run cut short
    # (at most one per Member user, so 6) began with GET /jobs but never reached it (whatever each one's length)
    squall_unfinished = endpoints["GET /jobs"]["requests"] - by_squall["the page parser broke"]
    locust_unfinished = locust_counts["GET /jobs"] - by_locust["the page parser broke"]
    assert 0 <= squall_unfinished <= 6 and 0 <= locust_unfinished <= 6, (by_squall, by_locust, endpoints["GET /jobs"],
                                                                         locust_counts)
    assert result["health"]["exceptions"] == {"ValueError: the page parser broke": by_squall["the page parser broke"]}
    assert "ValueError: the page parser broke" in squall.stdout
    assert not any("ValueError" in kind for e in endpoints.values() for kind in e["errors_by_class"])  # not requests
    # the CSV files column for column, with Locust's kinds of value (an integer, a decimal, a time, N/A, text)
    for name in ("stats", "failures", "exceptions", "stats_history"):
        theirs, ours = csv_rows(tmp_path / f"locust_{name}.csv"), csv_rows(tmp_path / f"squall_{name}.csv")
        assert ours[0] == theirs[0], name
        last_row = -1 if name != "stats_history" else -2  # Locust's last history row is the final summary line
        assert [kind(v) for v in ours[last_row]] == [kind(v) for v in theirs[last_row]], (name, ours[-1], theirs[-1])
    report = next((tmp_path / "s" / "runs").glob("*/reports/report.html")).read_text()
    assert "Exceptions raised inside tasks" in report and "ValueError: the page parser broke" in report


@pytest.mark.functional
def test_a_load_test_shape_is_followed_as_locust_follows_it(tmp_path: Path, demo_target) -> None:
    """A LoadTestShape, run by Locust and by `squall run` on two workers: the shape ends both runs
    (no -t), and each stage's users send what Locust's send (the second stage's three times the
    first's); Squall plans the shape's stages as its phases."""
    demo = demo_target(latency="fixed:1ms")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    locust = subprocess.run([sys.executable, "-m", "locust", "-f", str(LOCUSTFILES / "shaped.py"), "--headless",
                             "-H", demo.url, "--csv", str(tmp_path / "locust"), "--only-summary", "--loglevel", "WARNING"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert locust.returncode == 0, locust.stderr[-2000:]
    with open(tmp_path / "locust_stats.csv", newline="") as stats:
        by_locust = {row["Name"]: int(row["Request Count"]) for row in csv.DictReader(stats)}
    seen_before = sum(demo.state.seen.values())
    squall = subprocess.run([sys.executable, "-m", "runner.cli", "run", str(LOCUSTFILES / "shaped.py"), "-H", demo.url,
                             "--workers", "2", "--store", "s"], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path, env=env)
    assert squall.returncode == 0, squall.stdout[-3000:] + squall.stderr[-2000:]
    result = json.loads(next((tmp_path / "s" / "runs").glob("*/result.json")).read_text())
    assert [(p["name"], p["duration_s"]) for p in result["plan"]["phases"]] == [("Stages 1", 4.0), ("Stages 2", 4.0)]
    sent = result["endpoints"]["GET /jobs"]["requests"]
    assert sent == sum(demo.state.seen.values()) - seen_before
    # 15 %: on a busy host a worker's users start a moment late and the shape's clock does not wait
    # (a fresh-clone CI run with the AWS rehearsal beside it: 284 against Locust's 321); a shape
    # misread is far off (its first stage alone is 80, both stages at 6 users 480)
    assert abs(sent - by_locust["/jobs"]) <= 0.15 * by_locust["/jobs"], (sent, by_locust)
    per_second = {row["second"]: row["requests"] for row in result["timeline"]}
    first, second = sum(per_second.get(s, 0) for s in (1, 2, 3)), sum(per_second.get(s, 0) for s in (5, 6, 7))
    assert 2.5 <= second / first <= 3.5, per_second  # 6 users against 2
