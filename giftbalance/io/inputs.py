"""Reading the file an import was given: a regular file or standard input, bounded in size.

Every import reads its file through :func:`read_input` (``giftbalance import``, ``need import``,
and any import to come). It reads only regular files, or ``-`` for standard input, and at most
:data:`MAX_INPUT_BYTES`: ``giftbalance import /dev/zero`` is refused at once instead of reading
forever, a named pipe is refused instead of waiting for a writer, and a file too large to be a
household's ledger is refused before it fills the memory.
"""

from __future__ import annotations

import os
import stat
import sys
from typing import BinaryIO

from giftbalance.errors import InputError
from giftbalance.storage.files import check_path

#: The most an import reads: 200 MiB, about 4 million ledger rows, far beyond any household's.
MAX_INPUT_BYTES = 200 * 1024 * 1024
#: Standard input's name in messages.
STDIN = "<stdin>"


def describe_limit(limit: int | None = None) -> str:
    """The size limit as people read it: ``200 MB``."""
    limit = MAX_INPUT_BYTES if limit is None else limit
    if limit < 1024 * 1024:
        return f"{limit:,} bytes"
    return f"{limit // (1024 * 1024):,} MB"


def _too_large(source: str, limit: int) -> InputError:
    return InputError(
        f"{source} is larger than the import limit of {describe_limit(limit)}; split it into "
        "smaller files and import them one after another"
    )


def _read_bounded(handle: BinaryIO, source: str, limit: int) -> bytes:
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise _too_large(source, limit)
    return data


def read_input(name: str, *, limit: int | None = None) -> tuple[bytes, str]:
    """The bytes of the import file ``name`` (``-``: standard input) and its name for messages.

    Raises :class:`InputError` when ``name`` is missing, unreadable, a folder, a device, a
    named pipe or a socket (anything but a regular file), or holds more than ``limit`` bytes.
    The file is opened without blocking, so a named pipe with no writer is refused at once.
    ``limit`` defaults to :data:`MAX_INPUT_BYTES`.
    """
    limit = MAX_INPUT_BYTES if limit is None else limit
    if name == "-":
        return _read_bounded(sys.stdin.buffer, STDIN, limit), STDIN
    check_path(name)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(name, flags)
    except FileNotFoundError:
        raise InputError(f"cannot read {name}: no such file") from None
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)  # before a file object exists: Python refuses to make one of a folder
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"cannot read {name}: it is a folder; give a file")
        raise InputError(
            f"cannot read {name}: not a regular file (a device, pipe or socket); give a "
            "file, or - to read standard input"
        )
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > limit:
            raise _too_large(name, limit)
        try:
            return _read_bounded(handle, name, limit), name
        except OSError as exc:
            raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
