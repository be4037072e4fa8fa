"""Reading the page's forms with the command line's own checks, field by field.

Each field goes through the same domain function the CLI (and the needs CSV import) uses, so
the page refuses what ``giftbalance need add`` refuses, with the same message; the message is
kept beside its field, and the form is shown again as it was typed. Only when every field is
good does a route write, in one transaction (which checks everything once more).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from giftbalance.errors import GiftbalanceError, InputError
from giftbalance.household import needs
from giftbalance.household.signin import Visitor
from giftbalance.io import needs_csv
from giftbalance.ledger import accounts
from giftbalance.values.dates import DateError, parse_date
from giftbalance.values.money import Money, MoneyError, data_money, parse_money
from giftbalance.values.text import note_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from giftbalance.storage.models import Account

T = TypeVar("T")

#: The need form's fields: the needs CSV columns (``giftbalance need import``).
NEED_FIELDS = needs_csv.HEADER
ONLY_YOURSELF = (
    "you can add needs only for yourself; the household's owner can allow more with: "
    "giftbalance member link NAME --for-anyone"
)


@dataclass
class Form:
    """A form as typed (``values``), and what is wrong with it: per field, and overall."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.problem is None

    def check(self, name: str, fn: Callable[[], T]) -> T | None:
        """``fn()``; a refusal is kept as field ``name``'s error and gives ``None``."""
        try:
            return fn()
        except GiftbalanceError as exc:
            self.errors.setdefault(name, str(exc))
            return None

    def text(self, name: str) -> str:
        return self.values.get(name, "").strip()


def read_values(get: Callable[[str], str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: get(name) for name in names}


def money_of(text: str, currency: str) -> Money:
    """User text as money in ``currency``, with the CLI's message when it is not."""
    try:
        return parse_money(text, currency)
    except MoneyError as exc:
        raise InputError(str(exc)) from None


def date_of(text: str) -> date:
    """A date as users type it (``2026-12-01``, ``Dec 1``, ``tomorrow``)."""
    try:
        return parse_date(text)
    except DateError as exc:
        raise InputError(str(exc)) from None


def count_of(text: str, what: str) -> int:
    """A whole number of units."""
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{what} must be a whole number, not {text!r}") from None


def _account(session: Session, form: Form) -> Account | None:
    name = form.text("account")
    if not name:
        return None
    return form.check("account", lambda: accounts.resolve_account(session, name))


def _member(session: Session, form: Form, who: Visitor) -> str | None:
    """The member a need is for, as typed; a member who may add only for themselves gets an
    error for anyone else (an empty field means themselves)."""
    from giftbalance.household.members import find_member

    typed = form.text("for")
    if not who.adds_for_anyone:
        assert who.member is not None
        if typed and typed.casefold() != who.member.casefold():
            form.errors["for"] = ONLY_YOURSELF
            return None
        return who.member
    if not typed:
        return None
    found = form.check("for", lambda: find_member(session, typed))
    return found.name if found is not None else None


def read_new_need(session: Session, form: Form, who: Visitor) -> needs.NeedFields | None:
    """The fields of a need to add, checked; ``None`` when the form has errors."""
    account = _account(session, form)
    currency = None
    if form.text("account") == "" or account is not None:
        currency = form.check(
            "price",
            lambda: account.currency if account else needs.price_currency(session, None),
        )
    price = None
    if not form.text("price"):
        form.errors["price"] = "give the price of one unit (e.g. 12.50)"
    elif currency is not None:
        price = form.check("price", lambda: money_of(form.text("price"), currency))
    fields = needs.NeedFields(
        name=form.check("name", lambda: needs.clean_need_name(form.values.get("name", ""))),
        price=price,
        quantity=_quantity(form),
        priority=form.check(
            "priority", lambda: needs.check_priority(form.text("priority") or "normal")
        ),
        by=form.check("need_by", lambda: date_of(form.text("need_by")))
        if form.text("need_by")
        else None,
        member=_member(session, form, who),
        every=_every(form),
        account=account.name if account is not None else None,
        store=form.check("store", lambda: needs.clean_store(form.text("store"))),
        url=form.check("url", lambda: _url(form.text("url"))),
        note=form.check("note", lambda: note_text(form.values.get("note", ""))),
    )
    return fields if form.ok else None


def _quantity(form: Form) -> int | None:
    text = form.text("quantity")
    if not text:
        return 1
    return form.check("quantity", lambda: needs.check_quantity(count_of(text, "quantity")))


def _every(form: Form) -> str | None:
    text = form.text("every")
    if not text:
        return None
    return form.check("every", lambda: needs.parse_every(text))


def _url(text: str) -> str | None:
    from giftbalance.values.text import one_line

    return one_line(text, "url")


# -- editing ----------------------------------------------------------------------------------


def need_values(view: needs.NeedView) -> dict[str, str]:
    """A need as its edit form shows it."""
    need = view.need
    due = view.due
    return {
        "name": need.name,
        "price": data_money(need.unit_price, need.currency),
        "quantity": str(need.quantity),
        "priority": need.priority,
        "need_by": due.isoformat() if due else "",
        "for": view.member or "",
        "every": need.rule or "",
        "store": need.store or "",
        "url": need.url or "",
        "note": need.note or "",
        "account": view.account or "",
    }


@dataclass(frozen=True, slots=True)
class Change:
    """What an edit form asks to change: the fields to set and the ones to clear (as
    :func:`giftbalance.household.needs.edit_need` takes them)."""

    fields: needs.NeedFields
    clear: tuple[str, ...]


def read_need_change(
    session: Session, form: Form, who: Visitor, view: needs.NeedView
) -> Change | None:
    """What differs between the edit form and the need, checked; ``None`` on errors."""
    before = need_values(view)
    need = view.need
    changed = {name for name in NEED_FIELDS if form.text(name) != before[name].strip()}
    clear: list[str] = []
    set_to: dict[str, object] = {}

    if "name" in changed:
        set_to["name"] = form.check("name", lambda: needs.clean_need_name(form.values["name"]))
    currency = need.currency
    if "account" in changed:
        account = _account(session, form)
        if account is None and not form.text("account"):
            clear.append("account")
        elif account is not None:
            set_to["account"] = account.name
            currency = account.currency
    if "price" in changed or currency != need.currency:
        if not form.text("price"):
            form.errors["price"] = "give the price of one unit (e.g. 12.50)"
        else:
            price = form.check("price", lambda: money_of(form.text("price"), currency))
            if price is not None and (price.minor != need.unit_price or currency != need.currency):
                set_to["price"] = price
    if "quantity" in changed:
        set_to["quantity"] = _quantity(form)
    if "priority" in changed:
        set_to["priority"] = form.check(
            "priority", lambda: needs.check_priority(form.text("priority") or "normal")
        )
    if "need_by" in changed:
        if form.text("need_by"):
            set_to["by"] = form.check("need_by", lambda: date_of(form.text("need_by")))
        else:
            clear.append("by")
    if "for" in changed:
        if who.adds_for_anyone and not form.text("for"):
            clear.append("member")
        else:
            set_to["member"] = _member(session, form, who)
    if "every" in changed:
        if form.text("every"):
            rule = _every(form)
            if rule is not None and rule != need.rule:
                set_to["every"] = rule
        else:
            clear.append("every")
    for name in ("store", "url", "note"):
        if name not in changed:
            continue
        if not form.text(name):
            clear.append(name)
        elif name == "store":
            set_to["store"] = form.check("store", lambda: needs.clean_store(form.text("store")))
        elif name == "url":
            set_to["url"] = form.check("url", lambda: _url(form.text("url")))
        else:
            set_to["note"] = form.check("note", lambda: note_text(form.values["note"]))
    if not form.ok:
        return None
    return Change(needs.NeedFields(**set_to), tuple(clear))  # type: ignore[arg-type]
