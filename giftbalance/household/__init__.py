"""The household: needs, members, support contacts, the checklist, and undo across them."""
