"""Memory per concurrent closed-model user: Squall, k6 and Locust (numbers, not a test).

    python bench/memory_per_user.py [--users 500,2000] [--seconds 15]

Each tool runs --users users (k6: VUs) against nginx, each user a GET then a one-second think,
on core 0, and its resident memory (VmRSS of the load-generating process: Squall's worker, k6,
Locust) is read at the end of the ramp-up and every second after; the peak is kept. Memory per
user is the difference between the two user counts over the difference in users, so what each
tool needs at any load (the interpreter, the binary) cancels out.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from locust_bench import LOCUSTFILE_WAITING  # noqa: E402
from peers import k6_binary  # noqa: E402
from run_bench import nginx_on_core_1, pinned  # noqa: E402

SQUALL_SPEC = """
name: users
target: {{url: "{url}", timeout: 10s}}
load: {{phases: [{{name: hold, duration: {seconds}s, users: {users}, spawn_rate: {users}}}]}}
scenarios:
  - {{name: browse, flow: [{{get: {{url: /items, name: GET /items}}}}, {{think: 1s}}]}}
"""
K6_SCRIPT = """
import http from 'k6/http';
import {sleep} from 'k6';
export const options = {scenarios: {closed: {executor: 'constant-vus', vus: __ENV.USERS, duration: __ENV.SECONDS + 's'}}};
export default function () { http.get(`${__ENV.BASE}/items`); sleep(1); }
"""
LOCUSTFILE = LOCUSTFILE_WAITING.format(wait_s=1)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss(process: subprocess.Popen[bytes], find_pid: str | None, seconds: float) -> float:
    """The highest VmRSS of the process (or of the one ``find_pid`` names, a child) while it runs."""
    peak = 0.0
    deadline = time.monotonic() + seconds + 30
    while process.poll() is None and time.monotonic() < deadline:
        pid = process.pid
        if find_pid:
            found = subprocess.run(["pgrep", "-f", find_pid], capture_output=True, text=True).stdout.split()
            pid = int(found[0]) if found else 0
        if pid:
            try:
                peak = max(peak, rss_mb(pid))
            except OSError:
                pass
        time.sleep(0.5)
    process.wait()
    return peak


def squall(url: str, users: int, seconds: float, work: Path) -> float:
    spec = work / f"users-{users}.yaml"
    spec.write_text(SQUALL_SPEC.format(url=url, users=users, seconds=int(seconds)))
    process = subprocess.Popen(pinned(1) + [sys.executable, "-m", "runner.cli", "run", str(spec), "--workers", "1",
                                            "--store", str(work / "store"), "--quiet"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return peak_rss(process, "runner.local.worker_process", seconds)


def k6(url: str, users: int, seconds: float, work: Path) -> float:
    (work / "users.js").write_text(K6_SCRIPT)
    process = subprocess.Popen(pinned(0) + [k6_binary(), "run", "--quiet", "-e", f"USERS={users}",
                                            "-e", f"SECONDS={int(seconds)}", "-e", f"BASE={url}", str(work / "users.js")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={"GOMAXPROCS": "1", "K6_NO_USAGE_REPORT": "true", "PATH": "/usr/bin:/bin"})
    return peak_rss(process, None, seconds)


def locust(url: str, users: int, seconds: float, work: Path) -> float:
    (work / "users_lf.py").write_text(LOCUSTFILE)
    process = subprocess.Popen(pinned(0) + [sys.executable, "-m", "locust", "-f", str(work / "users_lf.py"),
                                            "--headless", "-u", str(users), "-r", str(users), "-t", f"{int(seconds)}s",
                                            "-H", url, "--only-summary", "--loglevel", "ERROR"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return peak_rss(process, None, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="500,2000", help="two user counts")
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    low, high = (int(n) for n in args.users.split(","))
    with nginx_on_core_1("squall-memory-") as (url, _, work):
        print(f"peak resident memory of the load-generating process, {args.seconds:g} s, a GET and 1 s think a user")
        for name, tool in (("Squall", squall), ("k6", k6), ("Locust", locust)):
            at_low, at_high = tool(url, low, args.seconds, work), tool(url, high, args.seconds, work)
            per_user_kb = (at_high - at_low) * 1024 / (high - low)
            print(f"  {name:<7} {low:>6,} users {at_low:>8.1f} MB   {high:>6,} users {at_high:>8.1f} MB   "
                  f"{per_user_kb:>7.1f} kB a user", flush=True)


if __name__ == "__main__":
    main()
