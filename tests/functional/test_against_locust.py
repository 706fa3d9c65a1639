"""Squall's user classes against Locust itself: the same two classes (tests/data/locust), run by
Locust's own headless runner and by `squall run` on the same local server, must send the same
share of requests to each endpoint (within 3 percentage points) and log in once per user."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
