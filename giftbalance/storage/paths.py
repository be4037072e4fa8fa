"""Where giftbalance keeps things on this machine: the default database and the config folder.

The config folder holds secrets that must not travel with the database (the claim-code key,
notification URLs); both locations follow the platform's conventions (platformdirs).
"""

from __future__ import annotations

import os
from pathlib import Path

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
