"""Instructions a request costs the flow and the fast engine, counted by valgrind (numbers, not a test).

    python bench/instructions.py [--in-flight 24] [--flows 2000,6000]

On this project's shared VM a CPU-µs figure moves by 10-40 % from one hour to the next, more than most
single changes to the per-request path; the user-space instructions a request executes do not (two runs
agree within 0.5 %). So each change to that path is measured here too, before and after, beside the
same-run rates of bench/peers.py.

nginx (bench/run_bench.py's, a fixed small JSON 200) runs on core 1. A driver process runs the real
FlowRunner and FastEngine on the bench's 80/20 mix, keeping --in-flight scenario runs going at once, each
its own task, as the generator does (no schedule: as fast as they go). It runs twice under valgrind's
cachegrind (`--cache-sim=no`: instructions only), with the two --flows counts; the difference over the
difference in requests is the instructions a request costs, what is the same in both (the interpreter's
start, the imports, the spec) cancelling out. The kernel's side of the socket calls is not counted.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from run_bench import SPEC, nginx_on_core_1  # noqa: E402


async def drive(url: str, flows: int, in_flight: int) -> int:
    """Runs ``flows`` scenario runs against ``url``, ``in_flight`` at once: the requests sent."""
    from runner.load.engines import make_engine
    from runner.load.flow import FlowRunner
    from runner.load.generator import WeightedPick
    from runner.load.recorder import Recorder
    from runner.spec import parse_spec

    spec = parse_spec(SPEC.format(url=url, rate=1000, duration=10))
    engine = make_engine("fast", 10.0, True)
    recorder = Recorder("bench", 0, 0, time.monotonic())
    rng = random.Random(1)
    runner = FlowRunner(spec, engine, recorder, time.monotonic, asyncio.sleep, rng, 0)
    pick = WeightedPick([(s, s.weight) for s in spec.scenarios])
    loop = asyncio.get_running_loop()
    done, started, running = asyncio.Event(), [0], set()

    def launch() -> None:
        started[0] += 1
        task = loop.create_task(runner.run(pick.pick(rng), time.monotonic()))
        running.add(task)
        task.add_done_callback(finished)

    def finished(task: asyncio.Task[bool]) -> None:
        running.discard(task)
        if started[0] < flows:
            launch()
        elif not running:
            done.set()
    for _ in range(min(in_flight, flows)):
        launch()
    await done.wait()
    await engine.close()
    return sum(stats.requests for window in recorder.windows.values() for stats in window.endpoints.values())


def counted(url: str, flows: int, in_flight: int, work: Path) -> tuple[int, int]:
    """(instructions, requests) of one driver run under cachegrind."""
    out = work / f"cachegrind.{flows}"
    run = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}",
                          sys.executable, __file__, "--driver", url, str(flows), str(in_flight)],
                         capture_output=True, text=True, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{run.stderr[-2000:]}")
    return int(found.group(1).replace(",", "")), int(run.stdout.split()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--driver":
        import uvloop
        url, flows, in_flight = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        print(uvloop.run(drive(url, flows, in_flight)))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--in-flight", type=int, default=24, help="scenario runs going at once")
    parser.add_argument("--flows", default="2000,6000", help="the two run counts, smaller first")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    fewer, more = (int(n) for n in args.flows.split(","))
    with nginx_on_core_1("squall-instructions-") as (url, _, work):
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {0})
        low, high = counted(url, fewer, args.in_flight, work), counted(url, more, args.in_flight, work)
    per_request = (high[0] - low[0]) / (high[1] - low[1])
    print(f"{per_request:,.0f} instructions a request (user space; {args.in_flight} in flight; "
          f"{high[1] - low[1]:,} requests between the two runs)")


if __name__ == "__main__":
    main()
