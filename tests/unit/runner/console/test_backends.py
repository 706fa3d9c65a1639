"""The local console's backend: the project's specs, and schedules said to be AWS's."""
from __future__ import annotations

from pathlib import Path

from runner.console.backends import LocalConsole


def test_the_local_backend_lists_the_specs_folder_and_has_no_schedules(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shop.yaml").write_text("name: shop\ntarget: http://127.0.0.1:9\nload: {phases: []}\n")
    backend = LocalConsole(tmp_path / "squall-runs", tmp_path, tmp_path / "specs")
    assert backend.specs() == [(str(tmp_path / "specs" / "shop.yaml"), [])]
    assert backend.fresh_index().runs() == []
    assert "Schedules are AWS's" in backend.schedules_page("t", None)
    assert backend.save_schedule({}) == backend.delete_schedule("x") == "schedules are AWS's: squall console --on aws"
