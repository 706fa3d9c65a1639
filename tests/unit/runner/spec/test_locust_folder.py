"""A locustfile's folder, carried to Lambda workers in the spec document."""
from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import pytest

from runner.load.locust_runner import worker_class_counts
from runner.spec.locust_folder import MAX_FILES, FolderTooLarge, pack, unpack


def test_the_folder_is_carried_with_what_the_locustfile_imports_and_without_caches_or_virtualenvs(
        tmp_path: Path) -> None:
    (tmp_path / "locustfile.py").write_text("from common.auth import login\n")
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "auth.py").write_text("def login(): ...\n")
    (tmp_path / "users.csv").write_text("name\nada\n")
    for skipped in (".git/config", "__pycache__/x.pyc", "venv/pyvenv.cfg", "venv/lib/big.py", "squall-runs/r/x.json"):
        (tmp_path / skipped).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / skipped).write_text("not carried\n")
    unpacked = tmp_path.parent / "unpacked"
    unpack(pack(tmp_path / "locustfile.py"), unpacked)
    carried = sorted(p.relative_to(unpacked).as_posix() for p in unpacked.rglob("*") if p.is_file())
    assert carried == ["common/auth.py", "locustfile.py", "users.csv"]


def test_a_folder_too_large_to_carry_is_refused_with_the_way_out(tmp_path: Path) -> None:
    (tmp_path / "locustfile.py").write_text("")
    for i in range(MAX_FILES + 1):
        (tmp_path / f"f{i}.txt").write_text("")
    with pytest.raises(FolderTooLarge, match="in a folder of their own"):
        pack(tmp_path / "locustfile.py")


def test_a_carried_name_that_leaves_the_folder_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../outside.py", "x = 1\n")
    with pytest.raises(ValueError, match="outside it"):
        unpack(base64.b64encode(buffer.getvalue()).decode(), tmp_path / "in")
    assert not (tmp_path / "outside.py").exists()


def test_workers_share_the_runs_users_in_the_mix_locust_gives_the_whole_run() -> None:
    classes = [("Member", 3.0, 0), ("Admin", 1.0, 0)]
    per_worker = [worker_class_counts(classes, 4, 2, w) for w in (0, 1)]
    assert per_worker == [{"Member": 1, "Admin": 1}, {"Member": 2, "Admin": 0}]  # 3 and 1 in all, as Locust's
    for workers in (1, 3, 7):
        shares = [worker_class_counts(classes, 40, workers, w) for w in range(workers)]
        assert sum(s["Member"] for s in shares) == 30 and sum(s["Admin"] for s in shares) == 10
    fixed = [worker_class_counts([("Boss", 1.0, 1), ("Member", 1.0, 0)], 5, 2, w) for w in (0, 1)]
    assert sum(f["Boss"] for f in fixed) == 1 and sum(f["Member"] for f in fixed) == 4  # fixed_count first
