"""The spend-down checklist: the pure wording over a state, and ``giftbalance checklist``."""

from __future__ import annotations

import re

from giftbalance.household import advice
from giftbalance.household.checklist import AccountState, ChecklistState, checklist_lines
from giftbalance.values.money import Money

EMPTY = ChecklistState()
PERSONAL = AccountState("Personal", "amazon.com", Money(12_345, "USD"))


def text(state: ChecklistState) -> str:
    return "\n".join(checklist_lines(state))


def steps(state: ChecklistState) -> list[str]:
    return [line for line in checklist_lines(state) if re.match(r"\d+\. ", line)]


def test_every_step_and_piece_of_advice_is_there():
    out = text(ChecklistState(accounts=(PERSONAL,), account="Personal"))
    assert [s.split(". ", 1)[1] for s in steps(EMPTY)] == [
        "Know what you hold",
        "Decide what to buy",
        "Share it with the household",
        "Pass value on with e-gift cards",
        "Check out carefully",
        "Ask support only as a last resort",
        "Stay away from balance-exchange services",
        "Next time",
    ]
    for words in (advice.EGIFT_CARDS, advice.SUPPORT, advice.NO_EXCHANGES, advice.PREVENTION):
        assert words in out
    for reminder in advice.checkout_reminders("Personal"):
        assert reminder in out
    assert "double-check" in out.lower()
    assert "1-Click" in out and "review page" in out and "payment methods" in out


def test_no_account_says_how_to_start():
    out = text(EMPTY)
    assert "No account yet" in out and "giftbalance account add" in out
    # With no account to name, the checkout steps still read as sentences.
    assert "Sign in to the right account (the account that holds the balance)" in out


def test_balances_are_listed_per_account():
    work = AccountState("Work", "amazon.de", Money(500, "EUR"))
    out = text(ChecklistState(accounts=(PERSONAL, work)))
    assert "Personal (amazon.com): 123.45 USD" in out
    assert "Work (amazon.de): 5.00 EUR" in out
    assert "giftbalance reconcile" in out


def test_nothing_left_to_spend():
    empty = AccountState("Personal", "amazon.com", Money(0, "USD"))
    assert "Nothing left to spend" in text(ChecklistState(accounts=(empty,)))


def test_needs_count_and_total_against_the_balance():
    few = ChecklistState(accounts=(PERSONAL,), open_needs=1, open_totals=(Money(4_000, "USD"),))
    out = text(few)
    assert "1 open need, 40.00 USD before tax" in out
    assert "covers the list" in out and "costs more" not in out
    many = ChecklistState(accounts=(PERSONAL,), open_needs=3, open_totals=(Money(99_999, "USD"),))
    out = text(many)
    assert "3 open needs, 999.99 USD before tax" in out
    assert "costs more than the USD balance" in out and "covers" not in out


def test_no_needs_suggests_adding_recurring_ones():
    out = text(ChecklistState(accounts=(PERSONAL,)))
    assert "No open needs yet" in out and "giftbalance need add" in out


def test_household_members():
    assert advice.HOUSEHOLD in text(EMPTY)
    out = text(ChecklistState(account="Personal", members=("Ann", "Bob")))
    assert "Members: Ann, Bob." in out and "order it from Personal" in out
    assert advice.HOUSEHOLD not in out


def test_contact_log_counts():
    assert "No contacts logged yet." in text(EMPTY)
    out = text(ChecklistState(contacts=3, pending_contacts=2))
    assert "3 contacts logged, 2 pending: giftbalance contact list" in out


def test_cli_checklist_reads_the_state(ok, refused, personal):
    ok("member", "add", "Ann")
    ok("need", "add", "Tea", "--price", "4", "--qty", "2")
    ok("contact", "add", "--channel", "chat", "--summary", "asked")
    out = ok("checklist").stdout
    assert out.startswith("Spend-down checklist")
    assert "Personal (amazon.com): 100.00 USD" in out
    assert "1 open need, 8.00 USD before tax" in out
    assert "Members: Ann." in out
    assert "1 contact logged, 1 pending" in out
    assert "Sign in to the right account (Personal)" in out
    refused("checklist", "--account", "Nowhere", match="no account called 'Nowhere'")


def test_cli_checklist_with_several_accounts(ok, personal):
    ok("account", "add", "Euro", "--currency", "EUR")
    ok("need", "add", "Book", "--price", "9", "--account", "Euro")
    out = ok("checklist").stdout
    assert "the account that holds the balance" in out
    narrowed = ok("checklist", "--account", "Personal").stdout
    assert "Euro" not in narrowed and "No open needs yet" in narrowed
    assert "Sign in to the right account (Personal)" in narrowed
