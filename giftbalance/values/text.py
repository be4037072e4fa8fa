"""Free text people type (names, notes, givers, summaries), checked once on the way in.

Whatever is stored is printed back later, in a terminal that may be someone else's (a household
shares one database): an escape sequence in a need's name could recolour or rewrite that
terminal, and a text-direction override can make ``Boots 45.00`` read as something else. So
control characters and direction overrides are refused where text enters, with the field named.
Names are one line (runs of white space, tabs and line breaks included, collapse to one space;
every other control character is refused); notes may keep line breaks and tabs (``\\r\\n`` is
stored as ``\\n``).

On the way out to CSV files meant for spreadsheets, the same text is made safe again:
spreadsheets (Excel, LibreOffice Calc, Google Sheets, Numbers) run a cell that starts with
``=``, ``+``, ``-`` or ``@`` as a formula, some also after a leading tab or carriage return, so
a need named ``=HYPERLINK("http://x","click")`` would run on the machine of whoever opens the
report (CSV injection, OWASP). Every cell of people's text in such a file goes through
:func:`cell_out`, which puts a ``'`` before it (the standard neutralisation: the spreadsheet
shows the text as typed), and every CSV import of giftbalance reads its text cells through
:func:`cell_in`, which takes exactly that quote off again. Numbers the tool writes itself
(amounts such as ``-12.34``, dates, ids) are written as they are and stay numbers.
"""

from __future__ import annotations

import re

from giftbalance.errors import InputError

BIDI_CONTROL_CHARACTERS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Unicode's control characters (category Cc) are exactly U+0000-001F and U+007F-009F.
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROL_CHARACTERS}]")
_UNSAFE_IN_NOTE = re.compile(
    f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROL_CHARACTERS}]"
)  # not \t, \n


def unsafe_character(text: str, *, note: bool = False) -> str | None:
    """The first control or text-direction character in ``text`` (a note may hold line breaks
    and tabs), if any."""
    found = (_UNSAFE_IN_NOTE if note else _UNSAFE).search(text)
    return found.group() if found else None


def check_safe(text: str, what: str, *, note: bool = False) -> str:
    """``text`` itself; :class:`InputError` naming ``what`` when it holds an unsafe character."""
    found = unsafe_character(text, note=note)
    if found is not None:
        kind = "a control character" if found <= "\x9f" else "a text-direction character"
        raise InputError(f"the {what} has {kind} ({found!r}); type it as plain text")
    return text


def one_line(text: str | None, what: str, *, max_length: int | None = None) -> str | None:
    """``text`` with white space collapsed to single spaces, or ``None`` when nothing is left;
    refused when longer than ``max_length`` or holding a control or text-direction character.

    The check runs on the text as given, before white space is collapsed: ``str.split`` counts
    some control characters (``\\x1c``-``\\x1f``, ``\\x85``) as white space, and would
    otherwise turn them into spaces. Tabs and line breaks are the only control characters a
    name may hold, and they become one space like other white space."""
    raw = text or ""
    check_safe(raw.replace("\r", "\n"), what, note=True)
    cleaned = " ".join(raw.split())
    if max_length is not None and len(cleaned) > max_length:
        raise InputError(f"the {what} is longer than {max_length} characters")
    return cleaned or None


def required_line(text: str | None, what: str, *, max_length: int) -> str:
    """Like :func:`one_line`, for a name that must not be empty."""
    cleaned = one_line(text, what, max_length=max_length)
    if cleaned is None:
        raise InputError(f"the {what} cannot be empty")
    return cleaned


def note_text(text: str | None, what: str = "note") -> str | None:
    """A note: stripped, line breaks and tabs kept, ``None`` when empty; refused when it holds
    any other control character or a text-direction character."""
    if not text:
        return None
    cleaned = text.replace("\r\n", "\n").strip()
    return check_safe(cleaned, what, note=True) or None


#: What makes a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _formula_like(text: str) -> bool:
    # Quotes already in front count too, so that a name typed as "'=1" survives the round trip
    # (it is written "''=1", and cell_in takes off exactly one quote).
    return text.lstrip("'").startswith(FORMULA_STARTS)


def cell_out(text: str) -> str:
    """A cell of people's text as written to a CSV file meant for spreadsheets: ``'`` put
    before text a spreadsheet would run as a formula (``=SUM(1,1)`` -> ``'=SUM(1,1)``,
    ``-2+3`` -> ``'-2+3``) and before quotes followed by such a character. Not for numbers
    the tool writes itself, which must stay numbers."""
    return "'" + text if _formula_like(text) else text


def cell_in(text: str) -> str:
    """The exact inverse of :func:`cell_out`, for every text cell giftbalance imports from CSV:
    ``cell_in(cell_out(s)) == s`` for every string ``s``; any other cell is left as it is."""
    return text[1:] if text.startswith("'") and _formula_like(text[1:]) else text


#: A store order id: ``123-1234567-1234567`` (digital orders start with ``D01``).
ORDER_ID = re.compile(r"\b([0-9D]\d{2}-\d{7}-\d{7})\b")


def order_id(text: str) -> str:
    """A store order id as typed (``--order``): the id itself, or :class:`InputError`."""
    cleaned = text.strip()
    if ORDER_ID.fullmatch(cleaned) is None:
        raise InputError(
            f"not a store order id: {cleaned[:40]!r} (expected e.g. 113-1234567-1234567)"
        )
    return cleaned
