"""``giftbalance member ...``: the household members you order for."""

from __future__ import annotations

import click

from giftbalance.cli.common import App, echo_json, json_option, note_option, pass_app


@click.group("member")
def member() -> None:
    """Add, list, rename and remove household members."""


@member.command("add")
@click.argument("name")
@note_option
@pass_app
def member_add(app: App, name: str, note: str | None) -> None:
    """Add a household member NAME (names are unique, case-insensitively)."""
    from giftbalance.household import members

    with app.db.write() as session:
        added = members.add_member(session, name, note=note)
    click.echo(f"Added member {added.name}.")
    click.echo(
        f'Say who a need is for with: giftbalance need add NAME --price AMOUNT --for "{added.name}"'
    )


@member.command("list")
@click.option("--all", "include_removed", is_flag=True, help="Include removed members.")
@json_option
@pass_app
def member_list(app: App, include_removed: bool, as_json: bool) -> None:
    """List members with how many open needs each has."""
    from giftbalance.household import reading
    from giftbalance.render.text import table

    with app.reader() as reader:
        rows = reading.members(reader, include_removed=include_removed)
        counts = reading.open_need_counts(reader)
    if as_json:
        from giftbalance.render.shapes import members_json

        echo_json(members_json(rows, counts))
        return
    if not rows:
        click.echo("No members yet. Add one: giftbalance member add NAME")
        return
    click.echo(
        table(
            ["name", "open needs", "note"],
            [
                [m.name + (" (removed)" if m.removed_at else ""), counts.get(m.id, 0), m.note]
                for m in rows
            ],
            "lrl",
        )
    )


@member.command("rename")
@click.argument("old")
@click.argument("new")
@pass_app
def member_rename(app: App, old: str, new: str) -> None:
    """Rename member OLD to NEW (their needs and purchases follow)."""
    from giftbalance.household import members

    with app.db.write() as session:
        before, renamed = members.rename_member(session, old, new)
    click.echo(f"Renamed member {before} to {renamed.name}.")


@member.command("remove")
@click.argument("name")
@click.option(
    "--reassign",
    metavar="OTHER",
    help="Move NAME's open needs to member OTHER (otherwise removal is refused while NAME has open needs).",
)
@pass_app
def member_remove(app: App, name: str, reassign: str | None) -> None:
    """Remove member NAME; bought needs and purchases keep the name in history."""
    from giftbalance.household import members

    with app.db.write() as session:
        removal = members.remove_member(session, name, reassign=reassign)
    click.echo(f"Removed member {removal.member.name}.")
    if removal.to is not None:
        click.echo(f"Moved {removal.moved} open need(s) to {removal.to.name}.")


COMMANDS = [member]
