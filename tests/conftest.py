"""Shared fixtures: every test gets its own database and claim-code key under a temp dir.

``run("add", "25", "--yes")`` invokes the CLI in-process and returns click's Result; it fails
the test if anything other than a clean exit (a traceback) happened. ``dump()`` returns the
whole database content, for checking that a refused command changed nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from giftbalance.cli import cli

PG_URL_ENV = "GIFTBALANCE_TEST_PG_URL"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's real database, key or settings."""
    monkeypatch.setenv("GIFTBALANCE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("GIFTBALANCE_DB", raising=False)
    monkeypatch.delenv("GIFTBALANCE_TODAY", raising=False)
    monkeypatch.delenv("GIFTBALANCE_DEBUG", raising=False)


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite database for this test, also exported as ``GIFTBALANCE_DB``."""
    url = "sqlite:///" + str(tmp_path / "giftbalance.db")
    monkeypatch.setenv("GIFTBALANCE_DB", url)
    return url


Run = Callable[..., Result]


@pytest.fixture
def run(db_url: str) -> Run:
    """Invoke the CLI like a user would; assert it never dies with a traceback."""

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        result = CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=True)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(
                f"giftbalance {' '.join(args)} raised {result.exception!r}\n{result.output}"
            ) from result.exception
        assert "Traceback" not in result.output
        return result

    return invoke


@pytest.fixture
def ok(run: Run) -> Run:
    """Like ``run`` but the command must succeed."""

    def invoke(*args: str, **kwargs: Any) -> Result:
        result = run(*args, **kwargs)
        assert result.exit_code == 0, (
            f"giftbalance {' '.join(args)} -> {result.exit_code}: {result.output}"
        )
        return result

    return invoke


@pytest.fixture
def dump(db_url: str) -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    """Every row of every non-empty table (the schema version aside), for before/after
    comparisons; a database file that does not exist yet dumps as ``{}``."""
    from sqlalchemy import create_engine, inspect, text

    def snapshot() -> dict[str, list[tuple[Any, ...]]]:
        if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///") :]).exists():
            return {}
        engine = create_engine(db_url)
        try:
            with engine.connect() as conn:
                tables = sorted(inspect(conn).get_table_names())
                content = {
                    table: [
                        tuple(row)
                        for row in conn.execute(text(f'SELECT * FROM "{table}" ORDER BY 1'))
                    ]
                    for table in tables
                    if table != "alembic_version"
                }
                return {table: rows for table, rows in content.items() if rows}
        finally:
            engine.dispose()

    return snapshot


@pytest.fixture
def refused(
    run: Run, dump: Callable[[], dict[str, list[tuple[Any, ...]]]]
) -> Callable[..., Result]:
    """Run a command that must be refused: one ``Error:`` line, the given exit status, and the
    database content unchanged."""

    def invoke(*args: str, code: int = 1, match: str = "", input: str | None = None) -> Result:
        before = dump()
        result = run(*args, input=input)
        assert result.exit_code == code, (
            f"expected exit {code}, got {result.exit_code}: {result.output}"
        )
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1, result.stderr
        assert match.lower() in errors[0].lower(), f"{match!r} not in {errors[0]!r}"
        assert dump() == before, "a refused command changed the database"
        return result

    return invoke


@pytest.fixture
def personal(ok: Run) -> str:
    """One USD account called Personal holding 100.00."""
    ok("account", "add", "Personal", "--store", "amazon.com", "--currency", "USD")
    ok("add", "100", "--account", "Personal", "--yes", "--date", "2026-11-02")
    return "Personal"


def pytest_report_header() -> str:
    return f"postgres: {'on (' + PG_URL_ENV + ')' if os.environ.get(PG_URL_ENV) else 'off'}"
