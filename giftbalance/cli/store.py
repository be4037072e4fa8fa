"""``giftbalance store ...``: the store's own records into the ledger."""

from __future__ import annotations

import click

from giftbalance.cli.common import (
    App,
    account_option,
    choose_account,
    echo_json,
    json_option,
    pass_app,
)


@click.group("store")
def store() -> None:
    """The store's own records: gift-card activity and order history."""


@store.command("import")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@account_option("The store account the files are from (default: the default or only account).")
@click.option(
    "--apply", "apply", is_flag=True, help="Write it (default: only show what it would write)."
)
@json_option
@pass_app
def store_import(
    app: App, files: tuple[str, ...], account: str | None, apply: bool, as_json: bool
) -> None:
    """Log redemptions, spends and refunds from the store's own records, matched to needs.

    \b
    Each FILE is recognised by its content ('-' reads standard input):
      the gift-card activity, pasted from the store's gift-card balance page
        into a text file (Date, Description, Amount, Balance; tab-separated or CSV);
      the order history CSV of the store's data download, or the zip itself.

    Shows what it would log, what is already in the ledger, the hand-typed entries it links,
    the needs the orders bought and the closing-balance check; writes nothing unless --apply,
    and then all of it in one transaction. How to get each file: see the Store import page.
    """
    from giftbalance.io.inputs import read_input
    from giftbalance.io.store.importer import MAX_FILE_BYTES, import_files
    from giftbalance.ledger import accounts
    from giftbalance.render.store import plan_json, plan_text

    named = [(name, read_input(name, limit=MAX_FILE_BYTES)[0]) for name in files]
    session_of = app.db.write if apply else app.db.read
    with session_of() as session:
        chosen = accounts.resolve_account(session, account, choose=choose_account)
        plan = import_files(session, chosen, named, apply=apply)
    if as_json:
        echo_json(plan_json(plan))
    else:
        click.echo(plan_text(plan))


COMMANDS = [store]
