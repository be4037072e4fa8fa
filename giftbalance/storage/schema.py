"""Which schema this giftbalance writes, and where its Alembic migrations are.

The schema changes only through Alembic revisions (``alembic/versions``, shipped inside the
wheel as ``giftbalance/migrations``). :data:`SCHEMA_HEAD` names the newest one; a test checks it
matches Alembic's head, so start-up can compare the stored revision without importing alembic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from giftbalance.errors import DatabaseError

#: The newest migration shipped with this version (tests check it matches alembic's head).
SCHEMA_HEAD = "0006"


def migrations_dir() -> Path:
    """The folder holding ``env.py`` and ``versions/``.

    An installed wheel carries it as ``giftbalance/migrations``; in a source checkout (and an
    editable install) it is the repository's top-level ``alembic/`` folder.
    """
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "migrations", package.parent / "alembic"):
        if (candidate / "env.py").is_file():
            return candidate
    raise DatabaseError("giftbalance is installed without its migrations")  # pragma: no cover


def known_revisions() -> set[str]:
    """Every revision this giftbalance ships (a database at any of them can be upgraded)."""
    return {p.name.split("_", 1)[0] for p in (migrations_dir() / "versions").glob("*.py")}


def alembic_config(url: str) -> Any:
    """An Alembic ``Config`` pointing at the packaged migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
