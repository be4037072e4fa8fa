"""The migrations travel with the package: a wheel built from the repository, installed into a
fresh virtual environment outside it, creates and upgrades its own database.

The wheel is built from a copy of the sources, so the repository gets no ``build/`` folder. The
new environment gets the wheel only; its dependencies (sqlalchemy, alembic, click...) are made
visible from the test's own environment through a ``.pth`` line, so nothing is downloaded to
install them. That line adds a folder to ``sys.path`` without running the ``.pth`` files in it,
so the development checkout's editable install stays out, which the test checks.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import giftbalance
from giftbalance.storage.schema import SCHEMA_HEAD

REPO = Path(giftbalance.__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


def build_wheel(work: Path) -> Path:
    """A wheel of the repository's sources, built in ``work``.

    Without build isolation when this environment's setuptools can build the project (offline);
    otherwise pip fetches the build requirements from pyproject.toml, as ``pip install`` does.
    """
    source = work / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, source / name)
    for folder in ("giftbalance", "alembic"):
        shutil.copytree(REPO / folder, source / folder, ignore=ignore)
    dist = work / "dist"
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist)]
    offline = subprocess.run(
        [*pip, "--no-build-isolation", str(source)], capture_output=True, text=True, timeout=300
    )
    if offline.returncode != 0:
        run(*pip, source, cwd=work)
    wheels = list(dist.glob("giftbalance-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_installs_outside_the_repo_and_manages_its_database(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "giftbalance/migrations/env.py" in names
    assert "giftbalance/migrations/script.py.mako" in names
    for migration in (REPO / "alembic" / "versions").glob("*.py"):
        assert f"giftbalance/migrations/versions/{migration.name}" in names
    assert "giftbalance/py.typed" in names
    # Every module and every file the household page serves travels with the package (a
    # subpackage missing from pyproject's list would be left out of the wheel silently).
    shipped = [
        path
        for path in (REPO / "giftbalance").rglob("*")
        if path.suffix in (".py", ".html", ".css")
        and "__pycache__" not in path.parts
        and "migrations" not in path.relative_to(REPO / "giftbalance").parts[:1]
    ]
    missing = [str(p.relative_to(REPO)) for p in shipped if str(p.relative_to(REPO)) not in names]
    assert missing == [], f"left out of the wheel: {missing}"
    assert any(n.startswith("giftbalance/io/store/") for n in names)
    assert not any(n.startswith(("tests/", "alembic/")) for n in names)

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        "--quiet",
        wheel,
        cwd=tmp_path,
    )
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    home = tmp_path / "elsewhere"
    home.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "GIFTBALANCE_DB", "VIRTUAL_ENV")
    }
    env.update(
        {
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "GIFTBALANCE_CONFIG_DIR": str(home / "config" / "giftbalance"),
            "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    where = run(
        python,
        "-c",
        "import giftbalance, giftbalance.storage.schema as schema; print(giftbalance.__file__); "
        "print(schema.migrations_dir())",
        cwd=home,
        env=env,
    ).split()
    assert Path(where[0]).is_relative_to(venv), "the installed package, not the checkout"
    assert Path(where[1]) == Path(where[0]).parent / "migrations"

    giftbalance_bin = venv / "bin" / "giftbalance"
    new_db = home / "NEW.db"
    out = run(giftbalance_bin, "--db", new_db, "account", "add", "X", cwd=home, env=env)
    assert "Added account X" in out
    run(giftbalance_bin, "--db", new_db, "add", "12.50", "--yes", cwd=home, env=env)
    balance = json.loads(
        run(giftbalance_bin, "--db", new_db, "balance", "--json", cwd=home, env=env)
    )
    assert balance["accounts"][0]["balance"] == "12.50"
    assert revision(new_db) == SCHEMA_HEAD

    # An older database is backed up and upgraded by the installed package too.
    old_db = home / "old.db"
    run(
        python,
        "-c",
        "import sys; from giftbalance.storage.db import Database, resolve_url; "
        "Database(resolve_url(sys.argv[1]), migrate=False).upgrade('0001')",
        old_db,
        cwd=home,
        env=env,
    )
    assert revision(old_db) == "0001"
    out = run(giftbalance_bin, "--db", old_db, "balance", cwd=home, env=env)
    assert f"Upgrading database schema 0001 -> {SCHEMA_HEAD}" in out
    assert revision(old_db) == SCHEMA_HEAD
    assert len(list(home.glob("old.backup-*.db"))) == 1

    # The default database lands in the user data folder, as for a real user.
    run(giftbalance_bin, "account", "add", "Default", cwd=home, env=env)
    assert (home / "data" / "giftbalance" / "giftbalance.db").is_file()


def revision(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        connection.close()
