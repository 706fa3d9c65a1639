"""Data files a hostile spec could name: outside its folder, a device, a pipe, a link out, a huge
field, a huge file. Each is one located line (exit 2 from the CLI), read within bounds, and the
error never holds the file's content."""
from __future__ import annotations

import os
import resource
from pathlib import Path

import pytest

from runner.datafiles import MAX_DATA_BYTES
from runner.spec import SpecError, load_spec


def spec_with_csv(folder: Path, csv_path: str) -> Path:
    path = folder / "s.yaml"
    path.write_text(f"target: http://127.0.0.1:1\nload: {{phases: [{{duration: 1s, rate: 1}}]}}\n"
                    f"data: {{users: {{csv: \"{csv_path}\"}}}}\n"
                    f"scenarios: [{{flow: [{{get: \"/u/{{{{ users.name }}}}\"}}]}}]\n")
    return path


def problem_of(path: Path, data_root: Path | None = None) -> str:
    with pytest.raises(SpecError) as raised:
        load_spec(path, data_root=data_root)
    [problem] = raised.value.problems
    return str(problem)


def test_a_file_outside_the_spec_s_folder_is_refused_and_never_printed(tmp_path: Path) -> None:
    """Before: `csv: ../../../../etc/shadow` was read and copied into spec.json and the jobs."""
    secret = tmp_path / "secret.csv"
    secret.write_text("name\nhunter2\n")
    (tmp_path / "specs").mkdir()
    message = problem_of(spec_with_csv(tmp_path / "specs", "../secret.csv"))
    assert "is outside the spec's folder" in message and "hunter2" not in message
    assert message.startswith(f"{tmp_path / 'specs' / 's.yaml'}:3: data.users.csv:")


def test_a_data_root_allows_a_folder_beside_the_spec(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "users.csv").write_text("name\nada\n")
    (tmp_path / "specs").mkdir()
    spec = load_spec(spec_with_csv(tmp_path / "specs", "../data/users.csv"), data_root=tmp_path / "data")
    assert spec.data[0].rows == ({"name": "ada"},)


def test_a_link_that_leads_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    assert "is outside the spec's folder" in problem_of(spec_with_csv(tmp_path, "zero.csv"))


@pytest.mark.parametrize("make", ["fifo", "folder"])
def test_what_is_not_a_regular_file_is_refused_without_reading_it(tmp_path: Path, make: str) -> None:
    """Before: /dev/zero grew to 2.5 GB in 4.5 s during validate; a FIFO blocked for ever."""
    target = tmp_path / "users.csv"
    os.mkfifo(target) if make == "fifo" else target.mkdir()
    assert "is not a regular file" in problem_of(spec_with_csv(tmp_path, "users.csv"))


def test_a_field_longer_than_the_csv_module_s_default_is_read(tmp_path: Path) -> None:
    """Before: a 300,000-character field ended in a `_csv.Error` traceback."""
    (tmp_path / "users.csv").write_text("name\n" + "x" * 300_000 + "\n")
    spec = load_spec(spec_with_csv(tmp_path, "users.csv"))
    assert len(spec.data[0].rows[0]["name"]) == 300_000


def test_a_file_over_the_cap_is_refused_within_bounded_memory(tmp_path: Path) -> None:
    big = tmp_path / "users.csv"
    with open(big, "wb") as out:
        out.write(b"name\n")
        out.truncate(MAX_DATA_BYTES + 10)  # sparse: no disk, but read as that many bytes
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert "is over 64 MB" in problem_of(spec_with_csv(tmp_path, "users.csv"))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kb) / 1024
    assert grown_mb < 3 * MAX_DATA_BYTES / (1024 * 1024)  # read with a cap, never the whole file


def test_a_file_that_is_not_a_spec_is_not_echoed_back(tmp_path: Path) -> None:
    """Before: a suite entry naming /etc/passwd printed the whole file in its error."""
    other = tmp_path / "passwd"
    other.write_text("".join(f"user{i}:x:{i}:{i}:secret-{i}:/home/u{i}:/bin/sh\n" for i in range(40)))
    message = problem_of(other)
    assert "secret-" not in message and ": must be a map, got text of " in message
