"""Free text people type (names, notes, givers, summaries), checked once on the way in.

Whatever is stored is printed back later, in a terminal that may be someone else's (a household
shares one database): an escape sequence in a need's name could recolour or rewrite that
terminal, and a text-direction override can make ``Boots 45.00`` read as something else. So
control characters and direction overrides are refused where text enters, with the field named.
Names are one line (runs of white space collapse to one space); notes may keep line breaks and
tabs (``\\r\\n`` is stored as ``\\n``).
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
    refused when longer than ``max_length`` or holding a control or text-direction character."""
    cleaned = " ".join((text or "").split())
    if max_length is not None and len(cleaned) > max_length:
        raise InputError(f"the {what} is longer than {max_length} characters")
    return check_safe(cleaned, what) or None


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
