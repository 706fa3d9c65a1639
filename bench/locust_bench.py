"""Squall's Locust worker against plain Locust (numbers, not a test).

The same FastHttpUser locustfile (one GET, no wait) against nginx pinned to core 1, run by
`locust --headless` pinned to core 0 and by `squall run locustfile.py --workers 1` with its worker
pinned to core 0; each for --seconds. Prints requests/s and CPU µs per request for both, and
Squall's share of plain Locust's requests/s per core (the recording must not be the bottleneck).

    python bench/locust_bench.py [--users 50] [--seconds 15]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run_bench import nginx_on_core_1, pinned  # noqa: E402

LOCUSTFILE_WAITING = """
from locust import FastHttpUser, constant, task


class Reader(FastHttpUser):
    wait_time = constant({wait_s})

    @task
    def items(self):
        self.client.get("/items")
"""
LOCUSTFILE = LOCUSTFILE_WAITING.format(wait_s=0)  # no wait: Locust's best case


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def plain_locust(url: str, users: int, seconds: float, work: Path) -> tuple[float, float]:
    process = subprocess.Popen(pinned(0) + [sys.executable, "-m", "locust", "-f", str(work / "lf.py"), "--headless",
                                            "-u", str(users), "-r", str(users), "-t", f"{seconds:g}s", "-H", url,
                                            "--csv", str(work / "plain"), "--only-summary", "--loglevel", "ERROR"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu = 0.0
    while process.poll() is None:
        try:
            cpu = cpu_seconds(process.pid)
        except OSError:
            break
        time.sleep(0.2)
    with open(work / "plain_stats.csv", newline="") as stats:
        total = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    return float(total["Requests/s"]), cpu * 1e6 / max(1, int(total["Request Count"]))


def squall_locust(url: str, users: int, seconds: float, work: Path) -> tuple[float, float]:
    env = {**os.environ, "SQUALL_WORKER_CPUS": "0"}
    subprocess.run(pinned(1) + [sys.executable, "-m", "runner.cli", "run", str(work / "lf.py"), "-u", str(users),
                                "-r", str(users), "-t", f"{seconds:g}s", "-H", url, "--workers", "1", "--store",
                                str(work / "store")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                   check=False)
    result = json.loads(next((work / "store" / "runs").glob("*/result.json")).read_text())
    return result["overall"]["rps"], result["health"]["cpu_s"] * 1e6 / max(1, result["overall"]["requests"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    with nginx_on_core_1("squall-locust-bench-") as (url, _, work):
        (work / "lf.py").write_text(LOCUSTFILE)
        plain_rps, plain_us = plain_locust(url, args.users, args.seconds, work)
        squall_rps, squall_us = squall_locust(url, args.users, args.seconds, work)
        print(f"FastHttpUser, {args.users} users, no wait, {args.seconds:g} s, one core each")
        print(f"  plain Locust     {plain_rps:>9,.0f} req/s  {plain_us:>6.1f} CPU-us/request")
        print(f"  Squall + Locust  {squall_rps:>9,.0f} req/s  {squall_us:>6.1f} CPU-us/request")
        print(f"  Squall's worker: {squall_rps / plain_rps:.0%} of plain Locust's requests/s "
              f"({plain_us / squall_us:.0%} per CPU-second: Locust's whole process, Squall's worker during the run)")


if __name__ == "__main__":
    main()
