"""A locustfile's folder carried to Lambda workers: the locustfile and what lies beside it (the
modules it imports, the data it reads), zipped into the spec document by `squall run --on aws`
and unpacked by each worker before Locust imports the file."""
from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

MAX_ZIPPED_BYTES = 2 * 1024 * 1024  # every worker reads it with its job: kept small
MAX_FILES = 2000
SKIPPED_FOLDERS = {"__pycache__", "node_modules", "squall-runs", "test-artifacts", "site-packages"}


class FolderTooLarge(ValueError):
    pass


def _carried(folder: Path) -> list[Path]:
    files: list[Path] = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") or part in SKIPPED_FOLDERS for part in relative.parts):
            continue
        if any((folder / Path(*relative.parts[:i]) / "pyvenv.cfg").exists() for i in range(1, len(relative.parts))):
            continue  # a virtualenv beside the locustfile
        if path.is_file():
            files.append(path)
    return files


def pack(locustfile: Path) -> str:
    """The locustfile's folder as base64 zip text (file names relative to the folder)."""
    folder = locustfile.parent
    files = _carried(folder)
    if len(files) > MAX_FILES:
        raise FolderTooLarge(f"{folder} holds {len(files):,} files; a locustfile's folder is carried to every worker "
                             f"(at most {MAX_FILES:,} files): put the locustfile and what it imports in a folder of "
                             f"their own")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(folder).as_posix())
    size = buffer.tell()
    if size > MAX_ZIPPED_BYTES:
        raise FolderTooLarge(f"{folder} is {size / 1e6:.1f} MB zipped; a locustfile's folder is carried to every "
                             f"worker (at most {MAX_ZIPPED_BYTES / 1e6:.1f} MB): put the locustfile and what it "
                             f"imports in a folder of their own")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def unpack(inlined: str, destination: Path) -> None:
    """Write the carried folder under ``destination`` (names that would leave it are refused)."""
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(inlined))) as archive:
        root = destination.resolve()
        for name in archive.namelist():
            target = (destination / name).resolve()
            if not target.is_relative_to(root):
                raise ValueError(f"the carried locustfile folder names a file outside it: {name}")
        archive.extractall(destination)
