"""Writing the files the tool produces (exports, reports, charts, calendars) safely."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from giftbalance.errors import InputError


def write_atomically(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never half of it:
    a temporary file in the same folder, flushed to disk, then renamed over ``path``.

    ``mode`` sets the file's permissions; by default a file that existed keeps its own and a
    new one is private (0600), like the database. Raises :class:`InputError` when the folder
    does not exist, ``path`` is a folder, or the file cannot be written (then any earlier file
    at ``path`` is left as it was).
    """
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"cannot write {path}: folder {folder} does not exist")
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder; give a file name")
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o600
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror}") from None
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write in {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write {path}: {exc.strerror}; nothing was written") from None
        raise
