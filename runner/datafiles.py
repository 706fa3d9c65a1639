"""The data files a spec (or an Artillery script's payload) names: read only from under the spec's
folder or an explicit data root, only regular files (a FIFO would block, /dev/zero never ends), at
most MAX_DATA_BYTES, CSV fields of any length. Errors name the file, never its content."""
from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

MAX_DATA_BYTES = 64 * 1024 * 1024  # a data file larger than this is refused (it is inlined into every job)


class DataFileError(ValueError):
    pass


def locate(relative: str, base_dir: Path, data_root: Path | None = None) -> Path:
    """The file ``relative`` names (relative to ``base_dir``), if it lies under ``base_dir`` or
    ``data_root`` once links are resolved and is a regular file; DataFileError saying why not."""
    if "\0" in relative:
        raise DataFileError(f"{relative!r} holds a NUL character, which no file name can: write the path to the file")
    named = base_dir / relative
    try:
        real = named.resolve(strict=True)
    except (OSError, RuntimeError, ValueError) as error:
        raise DataFileError(f"cannot read '{named}': {getattr(error, 'strerror', None) or error} (paths are "
                            f"relative to the spec file)") from None
    roots = [r.resolve() for r in (base_dir, data_root) if r is not None]
    if not any(real.is_relative_to(root) for root in roots):
        raise DataFileError(f"'{relative}' is outside the spec's folder ({base_dir.resolve()}): data files are read "
                            f"from under it, or under --data-root")
    mode = os.stat(real).st_mode
    if not stat.S_ISREG(mode):
        raise DataFileError(f"'{relative}' is not a regular file (a device, a pipe or a folder): data files are "
                            f"read once, whole")
    return real


def read_text(file: Path) -> str:
    """The file's text, refused past MAX_DATA_BYTES (read with a cap, so a file growing meanwhile
    cannot exhaust memory)."""
    with open(file, "rb") as handle:
        data = handle.read(MAX_DATA_BYTES + 1)
    if len(data) > MAX_DATA_BYTES:
        raise DataFileError(f"'{file.name}' is over {MAX_DATA_BYTES // (1024 * 1024)} MB: a data file is copied into "
                            f"every worker's job (split it, or keep fewer rows)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataFileError(f"'{file.name}' is not UTF-8 text (byte {error.start:,})") from None


def csv_rows(text: str, where: str) -> list[list[str]]:
    """Every row; a field of any length; DataFileError with the line of a malformed one."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = csv.field_size_limit()
    csv.field_size_limit(MAX_DATA_BYTES)
    try:
        return list(reader)
    except csv.Error as error:
        raise DataFileError(f"'{where}' line {reader.line_num}: not valid CSV ({error})") from None
    finally:
        csv.field_size_limit(previous)
