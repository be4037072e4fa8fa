"""Keeping the database safe: ``backup``, ``restore`` and ``check`` (docs/safety.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from giftbalance.cli.common import App, FilePath, echo_json, json_option, pass_app, yes_option

if TYPE_CHECKING:
    from giftbalance.io.backup import Summary


def _db_path(app: App) -> Path | None:
    from giftbalance.storage.db import resolve_url, sqlite_path

    return sqlite_path(resolve_url(app.db_option))


def _describe(summary: Summary) -> str:
    from giftbalance.storage.schema import SCHEMA_HEAD

    schema = f"schema {summary.revision}"
    if summary.revision != SCHEMA_HEAD:
        schema += f" (older; upgraded to {SCHEMA_HEAD} on first use)"
    latest = f", latest on {summary.latest}" if summary.latest else ""
    return (
        f"{summary.accounts} account{'s' if summary.accounts != 1 else ''}, "
        f"{summary.entries} entr{'ies' if summary.entries != 1 else 'y'}{latest}; {schema}"
    )


@click.command("backup")
@click.argument("file", type=FilePath(dir_okay=False, path_type=Path))
@yes_option
@pass_app
def backup(app: App, file: Path, yes: bool) -> None:
    """Copy the database to FILE (mode 0600), safely while other giftbalance processes write.

    FILE is a complete SQLite database; bring it back with: giftbalance restore FILE. An
    existing FILE is replaced only with --yes. On PostgreSQL use pg_dump (docs/safety.md).
    """
    from giftbalance.io import backup as backups

    path = _db_path(app)
    summary = backups.backup(path, file, replace=yes)
    click.echo(
        f"Backed up {path} to {file.expanduser().absolute()} ({_describe(summary)}; "
        f"{summary.size:,} bytes, mode 600)."
    )


@click.command("restore")
@click.argument("file", type=FilePath(dir_okay=False, path_type=Path))
@yes_option
@pass_app
def restore(app: App, file: Path, yes: bool) -> None:
    """Replace the whole database with the backup FILE, after checking FILE.

    FILE must be a sound giftbalance database (it passes giftbalance check). Without --yes
    the check runs and the restore is refused (exit 1). The current database is first saved
    beside it as NAME.before-restore-DATE-TIME.db. On PostgreSQL use pg_restore.
    """
    from giftbalance.errors import Refused
    from giftbalance.io import backup as backups

    try:
        with backups.staged_restore(_db_path(app), file) as staged:
            click.echo(
                f"{staged.source}: a sound giftbalance database ({_describe(staged.summary)})."
            )
            if not yes:
                raise Refused(
                    f"restoring replaces everything in {staged.target} with {staged.source}; "
                    "run again with --yes to do it"
                )
            backups.install(staged)
    except backups.BadBackup as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        raise
    if staged.previous is not None:
        click.echo(f"Saved the database it replaced as {staged.previous}.")
    click.echo(f"Restored {staged.target} from {staged.source}.")


@click.command("check")
@json_option
@pass_app
def check(app: App, as_json: bool) -> None:
    """Check the database: SQLite's integrity_check and foreign_key_check, then the ledger's
    invariants (balances, reversals, currencies, references).

    Prints "clean" and exits 0, or one line per problem naming the table and row, and exits 1.
    """
    from giftbalance.io.check import DAMAGE
    from giftbalance.io.check import check as check_database

    problems = check_database(app.db)
    if as_json:
        from giftbalance.render.shapes import check_json

        echo_json(check_json(app.db.display, problems))
    elif not problems:
        click.echo(
            f"{app.db.display}: clean (integrity, references, balances, reversals, currencies)."
        )
    else:
        for problem in problems:
            click.echo(str(problem))
    if problems:
        count = len(problems)
        hint = ""
        if any(p.table == DAMAGE for p in problems):
            hint = "; the file is damaged: restore a backup with giftbalance restore FILE"
        click.echo(
            f"Error: {app.db.display} has {count} problem{'s' if count != 1 else ''}{hint}",
            err=True,
        )
        click.get_current_context().exit(1)


COMMANDS = [backup, restore, check]
