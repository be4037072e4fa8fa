"""Importing the store's own records: the gift-card activity and the order history.

:mod:`~giftbalance.io.store.activity` reads the activity a user pastes from the gift-card
balance page, :mod:`~giftbalance.io.store.orders` the order history of the store's data
download, :mod:`~giftbalance.io.store.matching` matches ordered items to needs and
:mod:`~giftbalance.io.store.importer` plans and writes the import. Heavy modules are imported
where they are used. The matches still to confirm are read by
:func:`giftbalance.household.matches.pending_matches`.
"""

from __future__ import annotations
