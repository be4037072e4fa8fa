"""Where giftbalance keeps things on this machine: the database (the default one, or the one
``--db`` names) and the config folder.

The config folder holds secrets that must not travel with the database (the claim-code key,
notification URLs); both locations follow the platform's conventions (platformdirs). This
module is imported on every command's start-up, so it imports nothing heavy.
"""

from __future__ import annotations

import errno
import importlib.util
import os
from pathlib import Path

from giftbalance.errors import DatabaseError, InputError

ENV_DB = "GIFTBALANCE_DB"
ENV_CONFIG_DIR = "GIFTBALANCE_CONFIG_DIR"
#: The claim-code key's file name in the config folder (giftbalance.ledger.codes).
CODE_KEY_FILE = "code.key"


def default_db_path() -> Path:
    """The default database: ``giftbalance.db`` in the platform's user data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("giftbalance", appauthor=False)) / "giftbalance.db"


def config_dir() -> Path:
    """The config folder: ``$GIFTBALANCE_CONFIG_DIR`` or the platform's user config directory."""
    override = os.environ.get(ENV_CONFIG_DIR)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("giftbalance", appauthor=False))


#: What ``--db`` accepts, for messages.
SUPPORTED_DATABASES = (
    "a SQLite file (a path, or sqlite:///PATH) or a PostgreSQL database "
    "(postgresql://USER@HOST/DBNAME, which needs: pip install 'giftbalance[postgres]')"
)
_SQLITE_SCHEMES = ("sqlite", "sqlite+pysqlite")
#: PostgreSQL URLs giftbalance reads; all of them go through psycopg 3, the postgres extra.
_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
_POSTGRES_DRIVER = "postgresql+psycopg"


def resolve_url(option: str | None) -> str:
    """The SQLAlchemy URL to use: ``--db``, else ``$GIFTBALANCE_DB``, else the default file.

    A value with ``://`` is a URL; anything else is a path to a SQLite file. Only SQLite files
    and PostgreSQL (through psycopg 3: ``postgresql://`` and ``postgres://`` mean
    ``postgresql+psycopg://``) are supported. Raises :class:`InputError` for another scheme, a
    URL that does not parse, or an in-memory SQLite database (it would keep nothing), and
    :class:`DatabaseError` for PostgreSQL when psycopg is not installed.

    A path, or a plain ``sqlite:///PATH``, is checked without SQLAlchemy (every command starts
    here); other URLs are parsed by SQLAlchemy's ``make_url``.
    """
    value = option or os.environ.get(ENV_DB) or str(default_db_path())
    if "://" not in value:
        return "sqlite:///" + str(check_path(value, "--db").expanduser().resolve())
    scheme = value.split("://", 1)[0]
    lowered = scheme.lower()
    if lowered in _SQLITE_SCHEMES:
        url = "sqlite" + value[len(scheme) :]  # one spelling, which sqlite_path() recognises
        if "?" not in url and sqlite_path(url) is not None:
            return url
    elif lowered in _POSTGRES_SCHEMES:
        url = _POSTGRES_DRIVER + value[len(scheme) :]
        if importlib.util.find_spec("psycopg") is None:
            raise DatabaseError(
                "PostgreSQL needs the psycopg driver, which is not installed: "
                "pip install 'giftbalance[postgres]'"
            )
    elif lowered.startswith("postgresql+"):
        raise InputError(
            f"--db: giftbalance talks to PostgreSQL through psycopg 3, not {scheme[11:]!r}: "
            "write the URL as postgresql://USER@HOST/DBNAME"
        )
    else:
        shown = scheme if len(scheme) <= 30 else scheme[:27] + "..."
        raise InputError(
            f"--db: unsupported database {shown!r}; giftbalance supports {SUPPORTED_DATABASES}"
        )
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise InputError(f"--db: not a valid database URL ({exc})") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise InputError(
            "--db: an in-memory SQLite database keeps nothing between commands; give a file "
            "(a path, or sqlite:///PATH)"
        )
    return url


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or ``None`` for other databases and in-memory SQLite."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix) :].split("?", 1)[0]
    if not rest or rest == ":memory:":
        return None
    return Path(rest)


#: What SQLite keeps beside a database file ``NAME``: ``NAME-wal``, ``NAME-shm``, ``NAME-journal``.
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def side_files(path: Path) -> tuple[Path, Path, Path]:
    """The files SQLite keeps beside a database: ``-wal``, ``-shm`` and ``-journal``."""
    wal, shm, journal = (path.with_name(path.name + suffix) for suffix in SIDE_SUFFIXES)
    return wal, shm, journal


def shown_path(path: Path | str) -> str:
    """A path for a message, cut short so the message stays one line."""
    text = str(path)
    return text if len(text) <= 80 else f"{text[:60]}...{text[-12:]} ({len(text):,} characters)"


def check_path(path: Path | str, label: str = "") -> Path:
    """``path`` as a :class:`Path`, refused (:class:`InputError`) when no file could have that
    name: it holds a NUL character, or it or one of its parts is longer than the system allows.
    Call it before touching a path a user typed; other errors (a missing file, no permission)
    are the caller's to word."""
    text = str(path)
    where = f"{label} " if label else ""
    if "\x00" in text:
        raise InputError(f"{where}{shown_path(text)!r}: a file name cannot hold a NUL character")
    try:
        os.lstat(text)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise InputError(
                f"{where}{shown_path(text)}: the file name is longer than the system allows"
            ) from None
    return Path(text)
