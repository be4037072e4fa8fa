"""Shared fixtures: every test gets its own database and claim-code key under a temp dir.

``run("add", "25", "--yes")`` invokes the CLI in-process and returns click's Result; it fails
the test if anything other than a clean exit (a traceback) happened. ``dump()`` returns the
whole database content, for checking that a refused command changed nothing.

Databases: every test that uses ``db_url`` (directly, or through ``run``/``ok``/``refused``/
``dump``/``personal``) runs on SQLite, and runs a second time on PostgreSQL when
``GIFTBALANCE_TEST_PG_URL`` names a server (``postgresql+psycopg://user@127.0.0.1:PORT/postgres``;
``.ci/run`` starts one). The session creates one database on that server (dropped at the end)
and each PostgreSQL test gets a new, empty schema of it (``search_path`` in the URL), dropped
afterwards; the first command migrates it, as on SQLite. Mark a test
``@pytest.mark.sqlite_only`` when it is about SQLite itself (file modes, WAL, pragmas, the backup
API); mark it ``@pytest.mark.postgres`` when it only makes sense on a server. ``db_backend`` says
which one a test runs on; ``db_path`` is the SQLite file.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings

from giftbalance.cli import cli

# Hypothesis profiles. "gate" (the default: `make test`, CI) draws the same examples on every
# run (derandomize), so a green main stays green and a red one is reproducible; no deadline,
# because a slow machine is not a bug. "fuzz" (`make fuzz`) draws fresh random examples, many
# more of them, to hunt for what the gate's fixed draw has not met; a find becomes an
# ``@example`` on the property so the gate keeps it. Choose one with HYPOTHESIS_PROFILE.
settings.register_profile("gate", derandomize=True, deadline=None, print_blob=True)
settings.register_profile(
    "fuzz",
    derandomize=False,
    deadline=None,
    print_blob=True,
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "1000")),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))

PG_URL_ENV = "GIFTBALANCE_TEST_PG_URL"
SQLITE, POSTGRES = "sqlite", "postgresql"
_database_numbers = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only: about SQLite itself (files, modes, WAL, pragmas); never run on PostgreSQL",
    )


def pg_server_url() -> str | None:
    """The PostgreSQL server the suite may use (``GIFTBALANCE_TEST_PG_URL``), if any."""
    return os.environ.get(PG_URL_ENV) or None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every database test on SQLite, and on PostgreSQL too when a server is given."""
    if "db_backend" not in metafunc.fixturenames:
        return
    definition = metafunc.definition
    if definition.get_closest_marker("sqlite_only"):
        backends: list[Any] = [SQLITE]
    elif definition.get_closest_marker("postgres"):
        backends = [
            POSTGRES
            if pg_server_url()
            else pytest.param(
                POSTGRES,
                marks=pytest.mark.skip(reason=f"needs a PostgreSQL server: set {PG_URL_ENV}"),
            )
        ]
    else:
        backends = [SQLITE, POSTGRES] if pg_server_url() else [SQLITE]
    metafunc.parametrize("db_backend", backends, indirect=True)


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"``: the database this run of the test uses."""
    return str(getattr(request, "param", SQLITE))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[tuple[Any, str]]:
    """A PostgreSQL database for this test session, dropped at its end: an AUTOCOMMIT engine on
    it (to create and drop each test's schema) and its URL.

    One database per session and one schema per test: ``CREATE DATABASE`` costs a few hundred
    milliseconds (it checkpoints), ``CREATE SCHEMA`` a millisecond.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    server_url = pg_server_url()
    if server_url is None:  # pragma: no cover - guarded by pytest_generate_tests
        pytest.skip(f"needs a PostgreSQL server: set {PG_URL_ENV}")
    # NullPool: no connection stays open in the parent when tests fork worker processes.
    server = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"gbtest_{os.getpid()}"
    try:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'"))
    except Exception as exc:
        pytest.exit(f"{PG_URL_ENV}={server_url}: cannot create a test database ({exc})", 3)
    url = make_url(server_url).set(database=name)
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        yield engine, url.render_as_string(hide_password=False)
    finally:
        engine.dispose()
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


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
def db_url(
    db_backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A fresh database for this test, also exported as ``GIFTBALANCE_DB``: a SQLite file that
    does not exist yet, or an empty PostgreSQL schema of its own (``search_path`` in the URL)."""
    if db_backend == SQLITE:
        url = "sqlite:///" + str(tmp_path / "giftbalance.db")
        monkeypatch.setenv("GIFTBALANCE_DB", url)
        yield url
        return
    from urllib.parse import quote

    from sqlalchemy import text

    admin, database_url = request.getfixturevalue("pg_database")
    schema = f"test_{next(_database_numbers)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # Every connection giftbalance opens on this URL works in the test's own, empty schema.
    url = f"{database_url}?options={quote(f'-csearch_path={schema}')}"
    monkeypatch.setenv("GIFTBALANCE_DB", url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def db_path(db_url: str) -> Path:
    """The SQLite file behind ``db_url`` (for ``sqlite_only`` tests)."""
    from giftbalance.storage.db import sqlite_path

    path = sqlite_path(db_url)
    assert path is not None, "db_path is for SQLite tests: mark the test sqlite_only"
    return path


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


Dump = Callable[[], dict[str, list[tuple[Any, ...]]]]


def dump_database(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every non-empty table of the database at ``url`` (the schema version
    aside); a SQLite file that does not exist yet dumps as ``{}``."""
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.pool import NullPool

    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        return {}
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            tables = sorted(inspect(conn).get_table_names())
            content = {
                table: [
                    tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table}" ORDER BY 1'))
                ]
                for table in tables
                if table != "alembic_version"
            }
            return {table: rows for table, rows in content.items() if rows}
    finally:
        engine.dispose()


@pytest.fixture
def dump(db_url: str) -> Dump:
    """Every row of every non-empty table (the schema version aside), for before/after
    comparisons; a database file that does not exist yet dumps as ``{}``."""
    return lambda: dump_database(db_url)


@pytest.fixture
def dump_file() -> Callable[[Path], dict[str, list[tuple[Any, ...]]]]:
    """``dump_file(path)``: :func:`dump_database` of another SQLite file (a backup, say)."""
    return lambda path: dump_database("sqlite:///" + str(path))


@pytest.fixture
def refused(run: Run, dump: Dump) -> Callable[..., Result]:
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


def call_cli(*args: str) -> tuple[int, str, str]:
    """Run the console-script entry point (``giftbalance.cli.main``) in this process, as the
    ``giftbalance`` program would run; returns ``(exit status, stdout, stderr)``.

    For worker processes (``multiprocessing`` with ``fork``): unlike CliRunner it goes through
    ``main()`` and ``sys.exit`` exactly like the installed command.
    """
    import contextlib
    import io
    import sys

    from giftbalance.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv, sys.argv = sys.argv, ["giftbalance", *args]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def cli_call(db_url: str) -> Callable[..., tuple[int, str, str]]:
    """:func:`call_cli` on this test's database (``GIFTBALANCE_DB``)."""
    return call_cli


#: Worker processes are forked: they inherit this test's environment and imported modules.
FORK = multiprocessing.get_context("fork")
#: No multi-process test may hang the suite: a worker is killed after this many seconds.
WORKER_TIMEOUT_S = 180


def run_in_processes(
    count: int, target: Callable[[int], Any], *, timeout: float = WORKER_TIMEOUT_S
) -> list[Any]:
    """Run ``target(0) .. target(count - 1)`` in ``count`` forked processes at once; return
    their results in order. A worker that raises fails the test with its error; one that takes
    longer than ``timeout`` seconds is killed and fails the test."""
    import queue as queue_module
    import traceback

    results: Any = FORK.Queue()

    def body(k: int) -> None:
        try:
            results.put((k, target(k), None))
        except BaseException:
            results.put((k, None, traceback.format_exc()))

    workers = [FORK.Process(target=body, args=(k,), daemon=True) for k in range(count)]
    for worker in workers:
        worker.start()
    found: dict[int, Any] = {}
    try:
        for _ in workers:
            try:
                k, value, error = results.get(timeout=timeout)
            except queue_module.Empty:
                pytest.fail(f"worker processes did not finish within {timeout} s")
            if error is not None:
                pytest.fail(f"worker {k} failed:\n{error}")
            found[k] = value
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
                worker.join()
    return [found[k] for k in range(count)]


@pytest.fixture
def in_processes(db_url: str) -> Callable[..., list[Any]]:
    """:func:`run_in_processes`, for workers on this test's database."""
    return run_in_processes


@pytest.fixture
def sql(db_url: str) -> Callable[..., list[tuple[Any, ...]]]:
    """``sql("SELECT ...", name=value)``: rows of a query on this test's database."""

    def query(statement: str, **params: Any) -> list[tuple[Any, ...]]:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        engine = create_engine(db_url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(text(statement), params)]
        finally:
            engine.dispose()

    return query


@pytest.fixture
def personal(ok: Run) -> str:
    """One USD account called Personal holding 100.00."""
    ok("account", "add", "Personal", "--store", "amazon.com", "--currency", "USD")
    ok("add", "100", "--account", "Personal", "--yes", "--date", "2026-11-02")
    return "Personal"


def pytest_report_header() -> str:
    url = pg_server_url()
    if not url:
        return f"postgres: off (set {PG_URL_ENV} to run the database tests on PostgreSQL too)"
    from sqlalchemy.engine import make_url

    return f"postgres: on ({make_url(url).render_as_string(hide_password=True)})"
