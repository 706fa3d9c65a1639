"""Cold imports of the Lambda handlers from the bundles `cdk deploy` builds (numbers, not a test).

    python bench/cold_imports.py [--runs 7]

Builds the worker's bundle and the lean plan/monitor/collect one as infra/bundling.py does (x86_64
wheels, so they run here), with bytecode for CPython 3.13 (Lambda's), then times each handler's
import in a fresh `python3.13 -S` process (the standard library and the bundle only, as on
Lambda), median of --runs. The same imports from a copy without the bytecode (as the bundle was
before it carried any, and PYTHONDONTWRITEBYTECODE as /var/task is read-only) are the calibration
in the same run. Lambda's own cold start (fetching and unpacking the bundle) is not in these figures.
"""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

IMPORTS = {
    "worker": ("worker", "runner.aws.handlers.worker"),
    "plan": ("lean", "runner.aws.handlers.plan"),
    "monitor": ("lean", "runner.aws.handlers.monitor"),
    "collect": ("lean", "runner.aws.handlers.collect"),
    "locust (a locustfile's worker)": ("worker", "locust"),
}


def lambda_python() -> str:
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13"))) + \
        [p for p in ("/usr/bin/python3.13", "/usr/local/bin/python3.13") if Path(p).exists()]
    if not found:
        sys.exit("python3.13 not found (make lambda-python installs it)")
    return found[0]


def build(root: Path) -> dict[str, Path]:
    from aws_cdk import aws_lambda as lambda_

    from infra.bundling import PipBundling
    from tests.infra.test_bundling import RUNTIME
    PipBundling(lambda_.Architecture.X86_64).try_bundle(str(root / "worker"), image=None)  # type: ignore[arg-type]
    PipBundling(lambda_.Architecture.X86_64, with_locust=False).try_bundle(  # type: ignore[arg-type]
        str(root / "lean"), image=None)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(root / "runtime"),
                    *RUNTIME], check=True)
    bundles = {"worker": root / "worker", "lean": root / "lean", "runtime": root / "runtime"}
    for name in ("worker", "lean"):
        bare = root / f"{name}-sources"
        shutil.copytree(root / name, bare, ignore=shutil.ignore_patterns("__pycache__"))
        bundles[f"{name}-sources"] = bare
    return bundles


def import_ms(python: str, bundle: Path, runtime: Path, module: str, runs: int, sources: bool) -> float:
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": f"{bundle}{os.pathsep}{runtime}", "HOME": str(bundle.parent),
           "AWS_DEFAULT_REGION": "us-east-1", "SQUALL_BUCKET": "unused"}
    if sources:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    code = f"import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
    times = []
    for _ in range(runs):
        done = subprocess.run([python, "-S", "-c", code], env=env, capture_output=True, text=True, check=True,
                              cwd=bundle.parent)
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    python = lambda_python()
    root = Path(tempfile.mkdtemp(prefix="squall-cold-"))
    try:
        bundles = build(root)
        for name, (bundle, module) in IMPORTS.items():
            with_pyc = import_ms(python, bundles[bundle], bundles["runtime"], module, args.runs, sources=False)
            bare = import_ms(python, bundles[f"{bundle}-sources"], bundles["runtime"], module, args.runs, sources=True)
            print(f"{name}: import {with_pyc:.0f} ms with the bundle's bytecode, {bare:.0f} ms from sources "
                  f"({with_pyc / bare:.2f}x)")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    version = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True,
                             text=True, check=True).stdout.strip()
    print(f"CPython {version}, {os.cpu_count()} cores, median of {args.runs} fresh processes each")


if __name__ == "__main__":
    main()
