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


@member.command("link")
@click.argument("name")
@click.option(
    "--revoke",
    is_flag=True,
    help="End NAME's link and sign out every browser signed in with it.",
)
@click.option(
    "--for-anyone",
    is_flag=True,
    help="Let NAME add needs for any member on the page (default: only for themselves).",
)
@pass_app
def member_link(app: App, name: str, revoke: bool, for_anyone: bool) -> None:
    """Print a new sign-in link to the household page for member NAME, or end it with --revoke.

    The link is a secret, printed only this once: whoever opens it is signed in as NAME (they
    can add needs, change the ones they added, and read the rest). A new link replaces NAME's
    earlier one; browsers already signed in stay signed in until --revoke. Links start with the
    page_url setting (giftbalance config set page_url http://192.168.1.20:8765).
    """
    from giftbalance.errors import InputError
    from giftbalance.household import signin
    from giftbalance.storage import settings

    if revoke and for_anyone:
        raise InputError("--revoke and --for-anyone contradict each other")
    with app.db.write() as session:
        if revoke:
            found, ended = signin.revoke_member_link(session, name)
        else:
            found, secret = signin.member_link(session, name, for_anyone=for_anyone)
            base = settings.get(session, "page_url")
    if revoke:
        browsers = "browser was" if ended == 1 else "browsers were"
        click.echo(f"Revoked {found.name}'s sign-in link; {ended} signed-in {browsers} signed out.")
        return
    allowed = "any member" if for_anyone else "themselves"
    click.echo(
        f"Sign-in link for {found.name} (a secret, shown only now; they may add needs for "
        f"{allowed}):"
    )
    click.echo(signin.link_url(base or signin.DEFAULT_PAGE_URL, secret))
    if not base:
        click.echo(
            f"Note: the link starts with {signin.DEFAULT_PAGE_URL}, which opens on this computer "
            "only. For phones, set the address they reach this computer at, then make the link "
            "again: giftbalance config set page_url http://THIS-COMPUTER:8765",
            err=True,
        )


COMMANDS = [member]
