"""What every CSV file the tool reads has in common: a header naming known columns."""

from __future__ import annotations

from collections.abc import Sequence

from giftbalance.errors import InputError


def check_header(columns: Sequence[str], known: Sequence[str], required: Sequence[str]) -> None:
    """Refuse a header (column names already normalised) with an unknown, repeated or
    missing column, naming the columns that are known or required. Raises :class:`InputError`."""
    unknown = [name or "(empty)" for name in columns if name not in known]
    if unknown:
        raise InputError(
            f"unknown {'column' if len(unknown) == 1 else 'columns'} "
            f"{', '.join(map(repr, unknown))} (known: {','.join(known)})"
        )
    repeated = sorted({name for name in columns if list(columns).count(name) > 1})
    if repeated:
        raise InputError(f"column {', '.join(map(repr, repeated))} appears more than once")
    missing = [name for name in required if name not in columns]
    if missing:
        raise InputError(
            f"the header lacks the column {' and '.join(missing)} (required: {','.join(required)})"
        )
