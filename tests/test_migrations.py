"""pytest-alembic's built-in checks, plus SCHEMA_HEAD agreeing with the migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)

from giftbalance.storage.schema import SCHEMA_HEAD, migrations_dir

__all__ = [
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]


@pytest.fixture
def alembic_url(tmp_path: Path) -> str:
    return "sqlite:///" + str(tmp_path / "alembic.db")


@pytest.fixture
def alembic_config() -> dict[str, str]:
    return {"script_location": str(migrations_dir())}


@pytest.fixture
def alembic_engine(alembic_url: str) -> Any:
    from sqlalchemy import create_engine

    return create_engine(alembic_url)


def test_schema_head_constant_matches_migrations() -> None:
    from alembic.script import ScriptDirectory

    from giftbalance.storage.schema import alembic_config as make_config

    script = ScriptDirectory.from_config(make_config("sqlite://"))
    assert script.get_current_head() == SCHEMA_HEAD
