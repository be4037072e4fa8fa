"""The household page's routes: each reads or writes through the same domain functions as the
command (named in its docstring), in one transaction, and hands plain results to a template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse, Response

from giftbalance.errors import GiftbalanceError, InputError, NotFound
from giftbalance.household import needs, signin
from giftbalance.ledger import accounts, entries
from giftbalance.values.dates import today
from giftbalance.values.text import note_text
from giftbalance.web import forms
from giftbalance.web.pages import (
    Page,
    csp_for_document,
    fragment,
    not_found,
    redirect,
    refused,
)
from giftbalance.web.snapshots import Snapshots, Version

if TYPE_CHECKING:
    from markupsafe import Markup
    from sqlalchemy.orm import Session

    from giftbalance.ledger.lots import Lot
    from giftbalance.plan.planner import GiftCard, Order, Plan
    from giftbalance.report.weekly import Report
    from giftbalance.storage.models import Account

#: What a form's ``done`` redirect says on the next page (never text from the URL itself).
DONE = {
    "added": "Need added.",
    "changed": "Need changed.",
    "unchanged": "Nothing was changed.",
    "removed": "Need removed.",
    "bought": "Purchase recorded.",
    "spent": "Spend recorded.",
}


def _done(page: Page) -> str | None:
    return DONE.get(page.request.query_params.get("done", ""))


def _plan(session: Session, day: date, snapshots: Snapshots) -> Plan:
    """The plan from this week, as ``giftbalance plan`` makes it (same loader and planner).

    The open needs are read once per change to them, not once per spend: a new ledger entry
    changes the balances, never the needs.
    """
    from giftbalance.plan import load as plan_load
    from giftbalance.plan.planner import make_plan

    start = plan_load.plan_start(session, day)
    open_needs = snapshots.within(session, "open needs", plan_load.open_needs, ledger=False)
    inputs = plan_load.load(
        session, account=None, start=start, weeks=plan_load.DEFAULT_WEEKS, needs=open_needs
    )
    return make_plan(inputs.accounts, inputs.needs, inputs.options)


def _report(session: Session) -> Report:
    """This week's report, as ``giftbalance report`` makes it."""
    from giftbalance.report import load as report_load
    from giftbalance.report.weekly import build_report

    day = today()
    return build_report(report_load.load(session, day=day, account=None, today=day))


# -- Home ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountCard:
    """One account on the Home page."""

    name: str
    store: str
    currency: str
    balance: int
    #: This week's order, else ``None`` (then ``next_order`` is the first planned one, if any).
    order: Order | None
    next_order: Order | None
    gift_card: GiftCard | None
    expiring: tuple[Lot, ...]
    reminders: tuple[str, ...]


def _spend_accounts(session: Session) -> tuple[list[Account], str]:
    """The accounts a spend (or a purchase) may use, and the one picked by default."""
    active = accounts.accounts(session)
    default = accounts.default_account(session)
    chosen = default.name if default is not None and default.archived_at is None else ""
    if not chosen and len(active) == 1:
        chosen = active[0].name
    return active, chosen


def _home_data(session: Session, snapshots: Snapshots) -> tuple[list[AccountCard], date, str]:
    """Every active account's card, the plan's first week, and the account picked by default."""
    from giftbalance.household.advice import checkout_reminders
    from giftbalance.ledger import lots
    from giftbalance.report.weekly import EXPIRY_WINDOW_WEEKS

    day = today()
    soon = day + timedelta(weeks=EXPIRY_WINDOW_WEEKS)
    plan = _plan(session, day, snapshots)
    active, chosen = _spend_accounts(session)
    balances = {a.id: entries.balance(session, a) for a in active}
    expiring = {
        a.id: tuple(lot for lot in lots.expiring_lots(session, a) if day <= lot.expires_on <= soon)
        for a in active
        if balances[a.id] > 0
    }
    planned = {a.account_id: a for a in plan.accounts}
    cards = []
    for account in active:
        ap = planned.get(account.id)
        this_week = next((o for o in ap.orders if o.week == plan.start), None) if ap else None
        first = ap.orders[0] if ap and ap.orders else None
        shown = this_week or first
        cards.append(
            AccountCard(
                name=account.name,
                store=account.store,
                currency=account.currency,
                balance=balances[account.id],
                order=this_week,
                next_order=None if this_week else first,
                gift_card=ap.gift_card if ap else None,
                expiring=expiring.get(account.id, ()),
                reminders=shown.reminders if shown else checkout_reminders(account.name),
            )
        )
    return cards, plan.start, chosen


@dataclass(frozen=True, slots=True)
class HomeKept:
    """Home's accounts, rendered, and what its spend form needs."""

    cards_html: Markup
    chosen: str
    account_names: list[str]


def _home_kept(snapshots: Snapshots) -> Any:
    def read(session: Session) -> HomeKept:
        cards, week, chosen = _home_data(session, snapshots)
        html = fragment("home_cards.html", cards=cards, week=week)
        return HomeKept(html, chosen, [card.name for card in cards])

    return read


def home(page: Page) -> Response:
    """Balances, this week's order with its checkout reminders, money expiring soon and the
    gift-card suggestion (``giftbalance balance`` and ``giftbalance plan``)."""
    return _home_page(page, page.kept("home", _home_kept(page.snapshots)))


def _home_page(
    page: Page, kept: HomeKept, form: forms.Form | None = None, status: int = 200
) -> HTMLResponse:
    values = {"amount": "", "account": kept.chosen, "date": "", "note": ""}
    return page.render(
        "home.html",
        status=status,
        cards_html=kept.cards_html,
        done=_done(page),
        spend=form or forms.Form(values),
        account_names=kept.account_names,
    )


def spend(page: Page) -> Response:
    """Record money spent (owner only): ``giftbalance spend AMOUNT --account NAME``."""
    form = forms.Form(forms.read_values(page.field, ("amount", "account", "date", "note")))
    try:
        with page.db.write() as session:
            name = form.text("account") or None
            account = form.check("account", lambda: accounts.resolve_account(session, name))
            money = None
            if not form.text("amount"):
                form.errors["amount"] = "give the amount spent (e.g. 23.40)"
            elif account is not None:
                money = form.check(
                    "amount", lambda: forms.money_of(form.text("amount"), account.currency)
                )
            when = (
                form.check("date", lambda: forms.date_of(form.text("date")))
                if form.text("date")
                else today()
            )
            note = form.check("note", lambda: note_text(form.values.get("note")))
            if not form.ok or account is None or money is None or when is None:
                raise InputError("the form has errors")
            entries.spend(session, account, money, occurred_on=when, note=note)
    except GiftbalanceError as exc:
        if form.ok:
            form.problem = str(exc)
        return _home_page(
            page, page.kept("home", _home_kept(page.snapshots)), form=form, status=400
        )
    return redirect("/?done=spent")


# -- Needs --------------------------------------------------------------------------------------


def _members(session: Session) -> list[str]:
    from giftbalance.household import members

    return [m.name for m in members.members(session)]


#: Needs listed on one page of the Needs list.
NEEDS_PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class NeedsKept:
    """One page of the Needs list, rendered, and what the add form needs."""

    list_html: Markup
    #: The add form's fields, empty (the form as a visitor first sees it).
    form_html: Markup
    #: The member whose needs these are (as spelled in the database), or ``None``.
    member: str | None
    members: list[str]
    accounts: list[str]


def _empty_need_form(who: signin.Visitor) -> forms.Form:
    return forms.Form(
        {name: "" for name in forms.NEED_FIELDS}
        | {"priority": "normal", "quantity": "1", "for": who.member or ""}
    )


def _needs_kept(member: str | None, number: int, who: signin.Visitor) -> Any:
    """Reads and renders page ``number`` of the open needs (of ``member``), marking those that
    ``who`` added, and the empty add form as ``who`` sees it; ``None`` when there is no such
    member."""
    reader = who.member_id

    def read(session: Session) -> NeedsKept | None:
        from giftbalance.household.members import find_member

        shown = None
        if member is not None:
            try:
                shown = find_member(session, member).name
            except NotFound:
                return None
        views = needs.list_needs(session, member=shown)
        names = _members(session)
        active, _chosen = _spend_accounts(session)
        pages = max(1, -(-len(views) // NEEDS_PER_PAGE))
        current = min(number, pages)
        start = (current - 1) * NEEDS_PER_PAGE
        html = fragment(
            "needs_list.html",
            views=views[start : start + NEEDS_PER_PAGE],
            count=len(views),
            first=start + 1,
            number=current,
            pages=pages,
            totals=needs.open_totals(views),
            members=names,
            member=shown,
            mine=signin.added_by(session, reader) if reader is not None else set(),
        )
        account_names = [a.name for a in active]
        form_html = fragment(
            "need_fields.html",
            form=_empty_need_form(who),
            prefix="add-",
            visitor=who,
            members=names,
            account_names=account_names,
        )
        return NeedsKept(html, form_html, shown, names, account_names)

    return read


def _needs_page(page: Page, form: forms.Form | None = None, status: int = 200) -> HTMLResponse:
    member = page.request.query_params.get("for") or None
    try:
        number = max(1, int(page.request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    who = page.visitor
    kept: NeedsKept | None = page.kept(
        ("needs", member, number, who.member_id, who.adds_for_anyone),
        _needs_kept(member, number, who),
        ledger=False,
    )
    if kept is None:
        return not_found(page, "There is no such member.")
    return page.render(
        "needs.html",
        status=status,
        list_html=kept.list_html,
        form_html=kept.form_html if form is None else None,
        form=form or _empty_need_form(who),
        members=kept.members,
        member=kept.member,
        account_names=kept.accounts,
        done=_done(page),
    )


def needs_list(page: Page) -> Response:
    """The open needs, of one member with ``?for=NAME`` (``giftbalance need list``)."""
    return _needs_page(page)


def need_add(page: Page) -> Response:
    """Add a need (``giftbalance need add``); a member adds for themselves unless their link
    allows more, and may edit it later."""
    form = forms.Form(forms.read_values(page.field, forms.NEED_FIELDS))
    added = None
    try:
        with page.db.write() as session:
            fields = forms.read_new_need(session, form, page.visitor)
            if fields is None:
                raise InputError("the form has errors")
            added = needs.add_need(session, fields)
            signin.record_author(session, added.id, page.visitor)
    except GiftbalanceError as exc:
        if form.ok:
            form.problem = str(exc)
        return _needs_page(page, form, status=400)
    return redirect(f"/needs?done=added#need-{added.id}")


def _need_id(page: Page) -> int:
    value: int = page.request.path_params["need_id"]
    return value


def _need_page(
    page: Page,
    need_id: int,
    *,
    edit: forms.Form | None = None,
    buy: forms.Form | None = None,
    status: int = 200,
) -> Response:
    with page.db.read() as session:
        try:
            view = needs.view_need(session, need_id)
        except NotFound:
            return not_found(page, "There is no such need.")
        bought = needs.purchases(session, need_id)
        may_change = signin.may_change(session, page.visitor, need_id)
        names = _members(session)
        active, chosen = _spend_accounts(session)
        if view.account:
            chosen = view.account
    open_ = view.need.status == "open"
    if edit is None:
        edit = forms.Form(forms.need_values(view))
    if buy is None:
        buy = forms.Form({"units": "", "paid": "", "date": "", "account": chosen})
    return page.render(
        "need.html",
        status=status,
        view=view,
        bought=bought,
        editable=open_ and may_change,
        buyable=open_ and page.visitor.is_owner,
        edit=edit,
        buy=buy,
        members=names,
        account_names=[a.name for a in active],
        done=_done(page),
    )


def need_page(page: Page) -> Response:
    """One need with what was bought for it (``giftbalance need show``), and the forms to
    change, remove or buy it for those allowed to."""
    return _need_page(page, _need_id(page))


def _may_change(page: Page, session: Session, need_id: int) -> Response | None:
    """A refusal when the visitor may not change the need (``None`` when they may)."""
    needs.find_need(session, need_id)
    if not signin.may_change(session, page.visitor, need_id):
        return refused(
            page,
            "You can change only the needs you added on this page; ask the household's owner.",
        )
    return None


def need_edit(page: Page) -> Response:
    """Change a need (``giftbalance need edit``): the owner any open need, a member the open
    needs they added."""
    need_id = _need_id(page)
    form = forms.Form(forms.read_values(page.field, forms.NEED_FIELDS))
    try:
        with page.db.write() as session:
            refusal = _may_change(page, session, need_id)
            if refusal is not None:
                return refusal
            view = needs.view_need(session, need_id)
            change = forms.read_need_change(session, form, page.visitor, view)
            if change is None:
                raise InputError("the form has errors")
            if change.fields.is_empty() and not change.clear:
                return redirect(f"/needs/{need_id}?done=unchanged")
            needs.edit_need(session, need_id, change.fields, clear=change.clear)
    except NotFound:
        return not_found(page, "There is no such need.")
    except GiftbalanceError as exc:
        if form.ok:
            form.problem = str(exc)
        return _need_page(page, need_id, edit=form, status=400)
    return redirect(f"/needs/{need_id}?done=changed")


def need_remove(page: Page) -> Response:
    """Drop an open need from the list (``giftbalance need remove``)."""
    need_id = _need_id(page)
    try:
        with page.db.write() as session:
            refusal = _may_change(page, session, need_id)
            if refusal is not None:
                return refusal
            needs.remove_need(session, need_id)
    except NotFound:
        return not_found(page, "There is no such need.")
    except GiftbalanceError as exc:
        return refused(page, str(exc), status=409)
    return redirect("/needs?done=removed")


def need_bought(page: Page) -> Response:
    """Record that a need was bought (owner only): ``giftbalance need bought ID [--units N]
    [--paid AMOUNT] [--date DATE] [--account NAME]`` -- the spend and the need's new state in
    one transaction."""
    need_id = _need_id(page)
    form = forms.Form(forms.read_values(page.field, ("units", "paid", "date", "account")))
    try:
        with page.db.write() as session:
            needs.find_need(session, need_id)
            name = form.text("account") or None
            try:
                account = needs.purchase_account(session, need_id, name)
            except (InputError, NotFound) as exc:  # which account: beside the field
                form.errors["account"] = str(exc)
                account = None
            units = (
                form.check("units", lambda: forms.count_of(form.text("units"), "units"))
                if form.text("units")
                else None
            )
            paid = None
            if form.text("paid") and account is not None:
                paid = form.check(
                    "paid", lambda: forms.money_of(form.text("paid"), account.currency)
                )
            when = (
                form.check("date", lambda: forms.date_of(form.text("date")))
                if form.text("date")
                else today()
            )
            if not form.ok or account is None or when is None:
                raise InputError("the form has errors")
            try:
                needs.buy(
                    session,
                    need_id,
                    account=account.name,
                    units=units,
                    paid=paid,
                    occurred_on=when,
                )
            except InputError as exc:
                form.errors["units"] = str(exc)
                raise
    except NotFound:
        return not_found(page, "There is no such need.")
    except GiftbalanceError as exc:
        if form.ok:
            form.problem = str(exc)
        return _need_page(page, need_id, buy=form, status=400)
    return redirect(f"/needs/{need_id}?done=bought")


# -- Plan, report, calendar, bought -----------------------------------------------------------


def plan(page: Page) -> Response:
    """The weeks ahead, as ``giftbalance plan`` shows them."""

    def make(session: Session) -> tuple[Plan, Markup]:
        made = _plan(session, today(), page.snapshots)
        return made, fragment("plan_accounts.html", plan=made)

    result, accounts_html = page.kept("plan", make)
    end = result.start + timedelta(days=7 * result.weeks - 1)
    base = str(page.request.base_url).rstrip("/")
    feed_url = f"{base}/calendar.ics?feed={page.feed}"
    webcal = "webcal://" + feed_url.split("://", 1)[1]
    return page.render(
        "plan.html",
        plan=result,
        end=end,
        accounts_html=accounts_html,
        feed_url=feed_url,
        webcal_url=webcal,
    )


def report(page: Page) -> Response:
    """This week's report as ``giftbalance report --format html`` writes it."""
    from giftbalance.render.report_html import report_html

    def make(session: Session) -> tuple[str, str]:
        html = report_html(_report(session))
        return html, csp_for_document(html)

    html, csp = page.kept("report", make)
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Content-Security-Policy": csp})


def calendar_feed(snapshots: Snapshots, version: Version) -> Response:
    """The planned orders as iCalendar (``giftbalance report --ics FILE``)."""
    from giftbalance.render.calendar import calendar_ics

    made = snapshots.get("calendar", version, lambda session: calendar_ics(_report(session)))
    return Response(
        made,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": 'inline; filename="giftbalance-orders.ics"',
        },
    )


@dataclass(frozen=True, slots=True)
class BoughtLine:
    day: date
    need_id: int
    need: str
    units: int
    amount: int
    currency: str
    account: str
    undone: bool


def _bought(session: Session) -> list[tuple[str, list[BoughtLine], dict[str, int]]]:
    from giftbalance.report import load as report_load

    every_account = accounts.accounts(session, include_archived=True)
    rows = report_load.purchases(session, [a.id for a in every_account], date.max)
    by_id = {a.id: a for a in every_account}
    groups: dict[str, list[BoughtLine]] = {}
    for row in reversed(rows):
        account = by_id[row.account_id]
        day = row.occurred_on
        groups.setdefault(row.member or "", []).append(
            BoughtLine(
                day if isinstance(day, date) else date.fromisoformat(str(day)),
                row.need_id,
                row.need,
                row.units,
                row.amount,
                account.currency,
                account.name,
                row.reversed,
            )
        )
    totals: dict[str, dict[str, int]] = {}
    for member, lines in groups.items():
        for line in lines:
            if not line.undone:
                per = totals.setdefault(member, {})
                per[line.currency] = per.get(line.currency, 0) + line.amount
    order = sorted(groups, key=lambda name: (name == "", name.casefold()))
    return [(name, groups[name], totals.get(name, {})) for name in order]


def bought(page: Page) -> Response:
    """What was bought for each member, newest first (the purchases the report lists)."""
    return page.render("bought.html", groups=page.kept("bought", _bought))


def sign_out(page: Page) -> Response:
    """End this browser's session."""
    from giftbalance.web.pages import COOKIE

    with page.db.write() as session:
        signin.sign_out(session, page.visitor.session_id)
    response = redirect("/signed-out")
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response
