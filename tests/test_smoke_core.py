"""A first end-to-end pass over the ledger core (the full suite lives in test_cli_*.py)."""

from __future__ import annotations

import json


def test_redeem_spend_balance(ok, refused, personal):
    ok("spend", "12.34")
    refused("spend", "500", match="balance of Personal is 87.66 USD")
    data = json.loads(ok("balance", "--json").stdout)
    assert data["accounts"][0]["balance"] == "87.66"
    assert data["totals"] == [{"currency": "USD", "balance": "87.66"}]
