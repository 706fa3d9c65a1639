"""Package the Lambda code without Docker: runner/ and analysis/ plus pinned wheels built for
Lambda's platform (manylinux, the function's architecture and Python), installed with pip.

The wheels are downloaded once into a cache keyed by the pins, the platform and the Python
version (``~/.cache/squall/lambda-wheels/<key>``, or ``$SQUALL_WHEEL_CACHE``); every later
synth installs from that cache with ``--no-index``, so it needs no network."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "infra" / "lambda-requirements.txt"
PACKAGES = ("runner", "analysis")
PYTHON_VERSION = "3.13"


LOCUST_SECTION = "# Locust"  # where infra/lambda-requirements.txt starts what only a locustfile worker needs


def requirements(with_locust: bool) -> list[str]:
    """The pins a bundle installs: all of them for the worker; without the Locust stack (half the
    bundle) for the plan, monitor and collect functions, which never run a locustfile."""
    lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    if not with_locust:
        lines = lines[:next((i for i, line in enumerate(lines) if line.startswith(LOCUST_SECTION)), len(lines))]
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@jsii.implements(cdk.ILocalBundling)
class PipBundling:
    def __init__(self, architecture: lambda_.Architecture, with_locust: bool = True) -> None:
        self.platform = lambda_platforms(architecture)
        self.with_locust = with_locust

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_: object) -> bool:
        out = Path(output_dir)
        for package in PACKAGES:
            shutil.copytree(ROOT / package, out / package,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), dirs_exist_ok=True)
        wheels = cached_wheels(self.platform)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                        "--target", str(out), "--no-index", "--find-links", str(wheels), *wheel_flags(self.platform),
                        *requirements(self.with_locust)], check=True)
        shutil.rmtree(out / "bin", ignore_errors=True)  # scripts carry the build machine's Python path
        compile_for_lambda(out)
        return True  # the chart library the reports inline is in runner/ (runner/results/chart)


def compile_for_lambda(out: Path) -> None:
    """Bytecode for Lambda's CPython (3.13), so a cold start does not compile every module from
    source: /var/task is read-only, and the build machine's own .pyc (another version) are never
    used. Hash-checked pycs that are not checked ("unchecked-hash"): the zip's file times cannot
    invalidate them. Without a python3.13 here, the bundle ships sources only (as before)."""
    found = [*sorted(Path.home().glob(f".pyenv/versions/{PYTHON_VERSION}*/bin/python{PYTHON_VERSION}")),
             Path(f"/usr/bin/python{PYTHON_VERSION}"), Path(f"/usr/local/bin/python{PYTHON_VERSION}")]
    python = next((str(p) for p in found if p.exists()), None)  # never pyenv's shim: it may not run it
    if python is None:
        return
    subprocess.run([python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(out)],
                   check=False, capture_output=True)  # a module of a dependency's tests may not compile: skipped


def lambda_platforms(architecture: lambda_.Architecture) -> str:
    """The wheel platform tags Lambda's Python 3.13 runtime (Amazon Linux 2023, glibc 2.34) can
    load, space-separated: manylinux2014 for most wheels, manylinux_2_28 for those published
    only so (gevent, greenlet and pyzmq, which Locust needs, for Python 3.13 on arm64)."""
    machine = "aarch64" if architecture.name == lambda_.Architecture.ARM_64.name else "x86_64"
    return f"manylinux2014_{machine} manylinux_2_28_{machine}"


def wheel_flags(platform: str) -> list[str]:
    """Wheels for Lambda's platform and Python, whatever this machine is."""
    return [*(flag for tag in platform.split() for flag in ("--platform", tag)), "--implementation", "cp",
            "--python-version", PYTHON_VERSION, "--only-binary=:all:"]


def wheel_cache_dir(platform: str) -> Path:
    key = hashlib.sha256(REQUIREMENTS.read_bytes() + f"\0{platform}\0{PYTHON_VERSION}".encode()).hexdigest()[:16]
    root = Path(os.environ.get("SQUALL_WHEEL_CACHE") or Path.home() / ".cache" / "squall" / "lambda-wheels")
    return root / f"{platform.split()[0]}-py{PYTHON_VERSION}-{key}"


def cached_wheels(platform: str) -> Path:
    """The pinned wheels for ``platform``: downloaded the first time (the only step that needs
    the package index), from the cache ever after."""
    cache = wheel_cache_dir(platform)
    if (cache / ".complete").exists():
        return cache
    partial = cache.with_name(cache.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(partial),
                    *wheel_flags(platform), "-r", str(REQUIREMENTS)], check=True)
    (partial / ".complete").write_text("the wheels for infra/lambda-requirements.txt\n")
    shutil.rmtree(cache, ignore_errors=True)
    partial.rename(cache)
    return cache


CHART_LIBRARY = ROOT / "runner" / "results" / "chart" / "plotly-basic.min.js"  # vendored, not a .py source


def bundle_hash(platform: str, with_locust: bool = True) -> str:
    """Everything the bundle is made of: the code, the pins, the platform and this bundler.
    (CDK's output hash came out the same for the arm64 and x86_64 bundles, so it is not used.)"""
    digest = hashlib.sha256(f"{platform} {PYTHON_VERSION} {'locust' if with_locust else 'lean'}".encode())
    sources = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))
    files = [REQUIREMENTS, Path(__file__), CHART_LIBRARY, *sources]
    for path in files:
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
        digest.update(str(name).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def lambda_code(architecture: lambda_.Architecture, with_locust: bool = True) -> lambda_.Code:
    """A bundle built by pip for the functions' platform: the worker's with Locust, the others'
    without it."""
    bundler = PipBundling(architecture, with_locust)
    return lambda_.Code.from_asset(
        str(ROOT),
        exclude=["*", "!runner", "!runner/**", "!analysis", "!analysis/**", "!infra",
                 "!infra/lambda-requirements.txt", "**/__pycache__"],
        asset_hash_type=cdk.AssetHashType.CUSTOM, asset_hash=bundle_hash(bundler.platform, with_locust),
        bundling=cdk.BundlingOptions(
            image=lambda_.Runtime.PYTHON_3_13.bundling_image,
            local=bundler,
            command=["bash", "-c", "cp -r runner analysis /asset-output/ && pip install -t /asset-output "
                     + " ".join(requirements(with_locust))],
        ),
    )
