"""Where giftbalance keeps things on this machine: the database (the default one, or the one
``--db`` names) and the config folder.

The config folder holds secrets that must not travel with the database (the claim-code key,
notification URLs); both locations follow the platform's conventions (platformdirs). This
module is imported on every command's start-up, so it imports nothing heavy.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_DB = "GIFTBALANCE_DB"
ENV_CONFIG_DIR = "GIFTBALANCE_CONFIG_DIR"


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


def resolve_url(option: str | None) -> str:
    """The SQLAlchemy URL to use: ``--db``, else ``$GIFTBALANCE_DB``, else the default file.

    A value with ``://`` is a SQLAlchemy URL; anything else is a path to a SQLite file.
    """
    value = option or os.environ.get(ENV_DB) or str(default_db_path())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or ``None`` for other databases and in-memory SQLite."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix) :].split("?", 1)[0]
    if not rest or rest == ":memory:":
        return None
    return Path(rest)


def side_files(path: Path) -> tuple[Path, Path, Path]:
    """The files SQLite keeps beside a database: ``-wal``, ``-shm`` and ``-journal``."""
    name = path.name
    return (
        path.with_name(name + "-wal"),
        path.with_name(name + "-shm"),
        path.with_name(name + "-journal"),
    )
