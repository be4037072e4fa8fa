"""The tool's own words on spending a gift balance down safely, shared by plan, report and
checklist so every place says the same thing."""

from __future__ import annotations

#: Printed with every planned order.
CHECKOUT_REMINDERS: tuple[str, ...] = (
    "Sign in to the right account ({account}) before you add anything to the cart.",
    "Remove other payment methods in the account's payment settings before checkout; add them back afterwards.",
    "Do not use 1-Click or Buy Now: they can skip the gift balance. Use the normal checkout.",
    "On the review page, check that the gift card balance is applied to the order.",
    "Record the order: giftbalance need bought ID (it logs the spend and closes the need).",
)

PREVENTION = "Before you redeem another card, double-check which account is signed in; redeem only when ready to spend."
EGIFT_CARDS = (
    "Buy e-gift cards for others (a birthday, a thank-you) to turn a stuck balance into one "
    "that can be passed on."
)
HOUSEHOLD = (
    "Household members tell you what they need; you order it from the account that holds the "
    "balance. Add them with: giftbalance member add NAME"
)
SUPPORT = (
    "Ask the store's support only as a last resort, when the redemption was a clear mistake: have "
    "the claim code, the redemption date and the account ready, and log every contact with "
    "giftbalance contact add (date, time, representative, outcome)."
)
NO_EXCHANGES = (
    "Avoid third-party 'exchange your balance' services: poor rates, scams, and a breach of the "
    "store's terms that can get the account closed."
)


def checkout_reminders(account: str) -> tuple[str, ...]:
    """The checkout reminders with the account's name filled in."""
    return tuple(line.format(account=account) for line in CHECKOUT_REMINDERS)
