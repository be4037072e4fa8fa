"""The files the tool writes: created private, published whole, replaced atomically, and
never one of the files the tool lives on.

Every file giftbalance writes goes through here: the database's own first creation, the
claim-code key, backups, exports, reports, charts and calendars. A file is written in full
under a private temporary name beside its target and only then put in place, so a reader (or
a crash) never meets half a file.

Before a command writes a file the user named, :func:`guard_outputs` checks every target it is
about to write: none may be the database or one of SQLite's files beside it, a file of the
config folder (the claim-code key, notification URLs), or the same file as another output of
the same command. Files are compared as files (links resolved, hard links recognised), not as
spellings of a path.
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from pathlib import Path

from giftbalance.errors import InputError
from giftbalance.storage.paths import CODE_KEY_FILE, config_dir, default_db_path

# The path checks live with the paths (light, for every command's start-up); here they are
# beside the files they guard.
from giftbalance.storage.paths import SIDE_SUFFIXES as SIDE_SUFFIXES
from giftbalance.storage.paths import check_path as check_path
from giftbalance.storage.paths import shown_path as shown_path
from giftbalance.storage.paths import side_files as side_files


def _real(path: Path) -> Path:
    """``path`` absolute with every link resolved (as far as it exists)."""
    try:
        return path.expanduser().resolve()
    except (OSError, RuntimeError):  # a link loop: compare it as written
        return path.expanduser().absolute()


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` are one file: the same real path, or (both existing) the same
    inode, as two hard links or two spellings on a case-insensitive file system are."""
    if _real(a) == _real(b):
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one of them does not exist (yet): not the same file
        return False


def _protected(database: Path | None) -> list[tuple[Path, str]]:
    """The files no output may be, each with what it is."""
    found: list[tuple[Path, str]] = []
    default = default_db_path()
    for db, what in ((database, "the database itself"), (default, "the default database")):
        if db is None or (db is default and database is not None and same_file(db, database)):
            continue
        for candidate in {db, _real(db)}:
            found.append((candidate, f"{what} ({db})"))
            found += [
                (side, f"the {suffix} file of {what} (beside {db})")
                for side, suffix in zip(side_files(candidate), SIDE_SUFFIXES, strict=True)
            ]
    folder = config_dir()
    found.append((folder / CODE_KEY_FILE, f"the claim-code key ({folder / CODE_KEY_FILE})"))
    with suppress(OSError):
        found += [
            (entry, f"{entry.name} in giftbalance's config folder {folder}")
            for entry in sorted(folder.iterdir())
        ]
    return found


#: The first bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"


def _is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def guard_outputs(
    targets: Sequence[tuple[str, Path]],
    *,
    database: Path | None,
    replaces_databases: bool = False,
) -> None:
    """Refuse, before anything is written, an output that would overwrite what giftbalance
    lives on. The one check every writer of a user-named file calls first.

    ``targets`` are ``(label, path)`` pairs, the label as the user wrote the option
    (``"--output"``, ``"FILE"``); ``database`` is the SQLite file in use (``None`` on a server).
    Refused: the database in use and the default database
    (:func:`giftbalance.storage.paths.default_db_path`), each with its ``-wal``, ``-shm`` and
    ``-journal`` files; anything in the config folder
    (:func:`giftbalance.storage.paths.config_dir`: the claim-code key and every other file
    there, present or future); an existing target that is not a regular file (a folder, a
    device such as ``/dev/zero``, a named pipe: an atomic rename would replace the device
    itself); an existing SQLite database, unless ``replaces_databases`` (a backup replacing an
    older backup); and two targets that are one file. Links are resolved and hard links
    recognised. Raises :class:`InputError` (exit 2) naming the option.
    """
    for label, path in targets:
        check_path(path, label)
    protected = _protected(database)
    folder = _real(config_dir())
    seen: list[tuple[str, Path]] = []
    for label, path in targets:
        shown = f"{label} {path}" if label else str(path)
        for other, what in protected:
            if same_file(path, other):
                raise InputError(
                    f"{shown} is {what}; writing it would destroy it. Choose another file"
                )
        if _real(path).is_relative_to(folder):
            raise InputError(
                f"{shown} is in giftbalance's config folder {folder}, which holds its secrets "
                "(the claim-code key); choose a file elsewhere"
            )
        _check_existing(path, shown, label, replaces_databases=replaces_databases)
        for other_label, other in seen:
            if same_file(path, other):
                raise InputError(
                    f"{shown} is the same file as {other_label} {other}; give each output "
                    "its own file"
                )
        seen.append((label, path))


def _check_existing(path: Path, shown: str, label: str, *, replaces_databases: bool) -> None:
    """Refuse an existing target that is not a regular file, or is a SQLite database."""
    try:
        info = path.stat()
    except OSError:  # not there yet (or unreachable: writing it will say why)
        return
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{shown} is a folder; give a file name")
    if not stat.S_ISREG(info.st_mode):
        hint = " (leave out --output to print)" if label == "--output" else ""
        raise InputError(
            f"{shown} is not a regular file (a device, a pipe or a socket); giftbalance "
            f"writes only files{hint}"
        )
    if not replaces_databases and _is_sqlite_file(path):
        raise InputError(
            f"{shown} is a SQLite database (another giftbalance database?); writing it would "
            "destroy it. Choose another file"
        )


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
