"""Nothing measured is lost when the results store fails: a real full disk (a small tmpfs, which
answers ENOSPC as any full disk does) under a run's store, mid-run and when the reports are
written. Skipped where this machine cannot mount one (not root)."""
from __future__ import annotations

import errno
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_cli import write_spec
from tests.e2e.test_signals import first_flush, settled, start, wait_for


def small_disk(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def four_mb_disk(tmp_path: Path) -> Iterator[Path]:
    yield from small_disk(tmp_path / "s", "4m")


@pytest.fixture
def one_mb_disk(tmp_path: Path) -> Iterator[Path]:
    yield from small_disk(tmp_path / "s", "1m")


def fill(disk: Path) -> None:
    with open(disk / "filler", "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC


def leftovers(disk: Path) -> list[Path]:
    return list(disk.rglob(".tmp-*"))


def test_a_disk_that_fills_mid_run_stops_the_load_and_the_summary_is_still_printed(
        tmp_path: Path, four_mb_disk: Path, demo_target) -> None:
    """Before: the workers gave up after their retries, squall exited 3 with no summary, and the
    requests of the last seconds that reached the target appeared nowhere."""
    demo = demo_target(latency="fixed:2ms")
    run = start(tmp_path, str(write_spec(tmp_path, demo.url, duration="60s")), "--workers", "2")
    wait_for(lambda: first_flush(tmp_path))
    fill(four_mb_disk)
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 3, stdout + stderr
    assert "Traceback" not in stderr
    verdict = stdout[stdout.index("VERDICT:"):]
    assert verdict.startswith("VERDICT: INCONCLUSIVE\n    - results store failed at ")
    assert "No space left on device" in verdict
    assert "results: not written (results store failed at" in stdout
    assert leftovers(four_mb_disk) == []
    seen = settled(demo)
    counted = int(re.search(r"requests +([\d,]+) sent", stdout)[1].replace(",", ""))  # type: ignore[index]
    assert 0 < counted <= seen  # what was flushed before the disk filled is counted, never more than was sent
    assert seen < 600  # the load stopped: the whole plan is 1,220 arrivals, 2 requests each


def test_a_report_that_does_not_fit_is_named_and_the_run_still_ends_with_its_verdict(
        tmp_path: Path, one_mb_disk: Path, demo_target) -> None:
    """Before: the run passed and wrote result.json, then the HTML report (several MB) did not fit:
    exit 3, no summary, a .tmp- file left behind."""
    demo = demo_target(latency="fixed:2ms")
    run = start(tmp_path, str(write_spec(tmp_path, demo.url, duration="1s")), "--workers", "1")
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 0, stdout + stderr
    assert "VERDICT: PASS" in stdout and "Traceback" not in stderr
    assert "report.html (cannot write" in stderr and "No space left on device" in stderr
    [run_dir] = (one_mb_disk / "runs").iterdir()
    assert json.loads((run_dir / "result.json").read_text())["verdict"]["status"] == "PASS"
    assert (run_dir / "reports" / "junit.xml").exists()  # the small reports still fit
    assert leftovers(one_mb_disk) == []
