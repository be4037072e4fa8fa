"""The ledger: the rules of a sound ledger (pure), accounts, entries, expiring lots, claim codes."""
