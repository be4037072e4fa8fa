"""Text inside a database that giftbalance would refuse if it were typed or imported.

A backup offered to ``restore``, or a database changed behind giftbalance's back, may hold names
and notes with terminal escape sequences or text-direction overrides that every command would
then print into someone's terminal. :func:`text_problems` reads every text column of every
table and reports each such value with its table, row and field, by the same rule as typed text
(:func:`giftbalance.values.text.unsafe_character`: notes and summaries may hold line breaks and
tabs, nothing else may), and every setting giftbalance could not use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from giftbalance.errors import Problem
from giftbalance.values.text import unsafe_character

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: Text columns that may hold line breaks and tabs (the others are one line).
MULTI_LINE_COLUMNS = frozenset({"note", "summary"})
_BATCH = 5000


def _unsafe(value: str, column: str) -> str | None:
    found = unsafe_character(value, note=column in MULTI_LINE_COLUMNS)
    if found is None:
        return None
    kind = "a control character" if found <= "\x9f" else "a text-direction character"
    return f"{column} holds {kind} ({found!r}), which giftbalance refuses in typed or imported text"


def text_problems(session: Session) -> list[Problem]:
    """Every stored text value giftbalance would refuse as input, and every unusable setting.

    Works on any database and on older schemas (tables and columns they lack are skipped).
    Returns one :class:`~giftbalance.errors.Problem` per bad value, naming the table, the row's
    id and the field.
    """
    from sqlalchemy import String, inspect, select

    from giftbalance.storage.models import Base, Setting

    inspector = inspect(session.connection())
    present = {
        name: {c["name"] for c in inspector.get_columns(name)}
        for name in inspector.get_table_names()
    }
    problems: list[Problem] = []
    for table in Base.metadata.sorted_tables:
        if table.name not in present or table.name == Setting.__tablename__:
            continue
        text = [
            c for c in table.columns if isinstance(c.type, String) and c.name in present[table.name]
        ]
        if not text or "id" not in table.c:
            continue
        rows = session.execute(
            select(table.c.id, *text).order_by(table.c.id), execution_options={"yield_per": _BATCH}
        )
        for row in rows:
            row_id, *values = row
            for column, value in zip(text, values, strict=True):
                if isinstance(value, str) and (why := _unsafe(value, column.name)):
                    problems.append(Problem.in_table(table.name, row_id, why))
    if Setting.__tablename__ in present:
        problems += _setting_problems(session)
    return problems


def _setting_problems(session: Session) -> list[Problem]:
    from sqlalchemy import select

    from giftbalance.storage.models import Account, Setting
    from giftbalance.storage.settings import stored_problem

    problems: list[Problem] = []
    rows = session.execute(select(Setting.key, Setting.value).order_by(Setting.key)).all()
    for key, value in rows:
        why = stored_problem(key, value)
        if (
            why is None
            and key == "default_account"
            and value
            and session.get(Account, int(value)) is None
        ):
            why = f"default_account {value} names no account"
        if why is not None:
            problems.append(Problem.in_table("settings", None, why))
    return problems
