"""The files the tool writes: created private, published whole, replaced atomically.

Every file giftbalance writes goes through here: the database's own first creation, the
claim-code key, backups, exports, reports, charts and calendars. A file is written in full
under a private temporary name beside its target and only then put in place, so a reader (or
a crash) never meets half a file.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from contextlib import suppress
from datetime import datetime
from pathlib import Path

from giftbalance.errors import InputError


def create_private(path: Path) -> None:
    """Create an empty file only its owner can read (mode 0600).

    Raises :class:`FileExistsError` when something is at ``path`` already.
    """
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def private_temp(near: Path, label: str = "tmp") -> Path:
    """A new empty private file in ``near``'s folder, named after it, for writing ``near``
    whole before it is put in place (:func:`publish_new` or ``os.replace``)."""
    for _ in range(100):
        candidate = near.with_name(f".{near.name}.{label}-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            create_private(candidate)
        except FileExistsError:
            continue
        return candidate
    raise OSError(f"cannot create a temporary file beside {near}")  # pragma: no cover


def publish_new(temp: Path, target: Path) -> None:
    """Put the finished file ``temp`` at ``target`` only if nothing is there yet.

    A hard link, so of several processes publishing at once exactly one wins and the others get
    :class:`FileExistsError`; on a file system without hard links, a check and a rename. The
    caller removes ``temp`` afterwards.
    """
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError:  # no hard links here
        if target.exists():
            raise FileExistsError(target) from None
        os.replace(temp, target)


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder (a rename is durable only once its folder is synced)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove(path: Path) -> None:
    """Remove ``path`` if it is there."""
    with suppress(FileNotFoundError):
        path.unlink()


def dated_name(target: Path, label: str) -> Path:
    """A free name beside ``target`` for a copy: ``NAME.LABEL-YYYYmmdd-HHMMSS.SUFFIX``."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = target.with_name(f"{target.stem}.{label}-{stamp}{target.suffix}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = target.with_name(f"{target.stem}.{label}-{stamp}-{n}{target.suffix}")
    return candidate


def copy_bytes(source: Path, target: Path) -> None:
    """Copy ``source`` to the new private file ``target`` (refused if it exists), synced."""
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        while chunk := src.read(1 << 20):
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())


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
