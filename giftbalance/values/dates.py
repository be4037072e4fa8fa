"""Dates as users type them, and the weeks plans and reports are cut into."""

from __future__ import annotations

import functools
import os
import re
from datetime import date, datetime, timedelta

WEEKDAYS = ("monday", "sunday")
#: The furthest a plan or a report looks ahead, in weeks (ten years).
MAX_WEEKS = 520
_RELATIVE = {"today": 0, "yesterday": -1, "tomorrow": 1}
_MIN_YEAR, _MAX_YEAR = 1970, 2200


class DateError(ValueError):
    """Text that is not a date we can trust."""


def iso(value: date | datetime | None) -> str | None:
    """``value`` as ISO 8601 text, as every JSON output and export writes dates; ``None`` stays."""
    return None if value is None else value.isoformat()


def today() -> date:
    """Today's date; ``GIFTBALANCE_TODAY`` (ISO date) pins it for reproducible examples."""
    pinned = os.environ.get("GIFTBALANCE_TODAY")
    if pinned:
        return date.fromisoformat(pinned)
    return date.today()


def now() -> datetime:
    """The current local time (seconds precision), consistent with :func:`today`."""
    current = datetime.now().replace(microsecond=0)
    pinned = os.environ.get("GIFTBALANCE_TODAY")
    if pinned:
        return datetime.combine(date.fromisoformat(pinned), current.time())
    return current


def _check_year(value: date, text: str) -> None:
    if not _MIN_YEAR <= value.year <= _MAX_YEAR:
        raise DateError(f"date out of range: {_shown(text)} (years {_MIN_YEAR} to {_MAX_YEAR})")


def _shown(text: object) -> str:
    """The user's text quoted for an error message, cut short so the message stays one line."""
    shown = repr(text)
    return shown if len(shown) <= 42 else shown[:38] + "...'"


def _parse_full(raw: str) -> datetime | None:
    """dateutil's reading of ``raw``, or ``None`` unless it names a month and a day.

    dateutil fills what is missing from a default date, so ``5`` or ``14:30`` alone would
    silently become January; parsing against two different defaults shows what was filled in.
    A missing year is fine: it is this year.
    """
    from dateutil import parser

    year = today().year
    try:
        first = parser.parse(raw, default=datetime(year, 1, 1))
        second = parser.parse(raw, default=datetime(year, 2, 2))
    except (ValueError, OverflowError):
        return None
    if first.date() != second.date():
        return None
    return first


def parse_date(text: str) -> date:
    """Parse ISO dates (``2026-11-25``), usual spellings (``Nov 25 2026``, ``11/25/2026``) and
    ``today``/``yesterday``/``tomorrow``; a missing year is this year. Raises
    :class:`DateError` for anything else, including text without a month and a day."""
    raw = text.strip() if isinstance(text, str) else ""
    if raw.lower() in _RELATIVE:
        return today() + timedelta(days=_RELATIVE[raw.lower()])
    if not raw or not re.search(r"\d", raw):
        raise DateError(f"not a date: {_shown(text)} (expected e.g. 2026-11-25)")
    parsed = _parse_full(raw)
    if parsed is None:
        raise DateError(f"not a date: {_shown(text)} (expected e.g. 2026-11-25)")
    if parsed.time() != datetime.min.time():
        raise DateError(f"expected a date without a time: {_shown(text)}")
    value = parsed.date()
    _check_year(value, text)
    return value


def parse_datetime(text: str) -> datetime:
    """Parse a local date and time (``2026-11-25 14:30``, ``now``); a bare date means midnight.

    Raises :class:`DateError` for anything else, including a time without a date."""
    raw = text.strip() if isinstance(text, str) else ""
    if raw.lower() == "now":
        return now()
    if not raw or not re.search(r"\d", raw):
        raise DateError(f"not a date and time: {_shown(text)} (expected e.g. 2026-11-25 14:30)")
    parsed = _parse_full(raw)
    if parsed is None:
        raise DateError(f"not a date and time: {_shown(text)} (expected e.g. 2026-11-25 14:30)")
    _check_year(parsed.date(), text)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone().replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def week_start(day: date, first_weekday: str = "monday") -> date:
    """The first day of the week containing ``day`` (weeks start on Monday or Sunday)."""
    if first_weekday not in WEEKDAYS:
        raise DateError(f"week start must be one of {', '.join(WEEKDAYS)}")
    offset = day.weekday() if first_weekday == "monday" else (day.weekday() + 1) % 7
    return day - timedelta(days=offset)


def parse_local_date(text: str, locale: str) -> date:
    """A date as a store's page writes it in ``locale`` (a Babel locale): ``November 25, 2026``
    (en_US), ``25 November 2026`` (en_GB), ``25.11.2026`` (de_DE), ``2026年11月25日`` (ja_JP).

    Month names (full or abbreviated) are the locale's own, from Babel's data; the order of
    day, month and year is the locale's, and the year must be written in full. Raises
    :class:`DateError`.
    """
    return _local_date(" ".join(text.split()) if isinstance(text, str) else "", locale)


@functools.lru_cache(maxsize=4096)
def _local_date(raw: str, locale: str) -> date:
    """:func:`parse_local_date` of whitespace-folded text (dates repeat: each is read once)."""
    from babel.dates import parse_date as babel_parse_date

    names = _month_numbers(locale)
    unknown: list[str] = []
    months: list[int] = []

    def month(match: re.Match[str]) -> str:
        word = match[0].casefold().rstrip(".")
        if word in names:
            months.append(names[word])
            return " "
        unknown.append(match[0])
        return match[0]

    numeric = re.sub(r"[^\W\d_]+\.?", month, raw)
    # What is left must be numbers and the locale's punctuation (年, 月, 日 too).
    numbers = re.findall(r"\d+", numeric)
    if unknown and not all(word in "年月日" for word in unknown):
        raise DateError(f"not a date: {_shown(raw)} (unknown word {unknown[0]!r})")
    if len(numbers) + len(months) != 3 or len(months) > 1 or not any(len(n) == 4 for n in numbers):
        raise DateError(f"not a date: {_shown(raw)} (expected day, month and a four-digit year)")
    try:
        if months:
            # A month written as a word: the four-digit number is the year, the other the day.
            year = next(n for n in numbers if len(n) == 4)
            day = next(n for n in numbers if n is not year)
            value = date(int(year), months[0], int(day))
        else:
            value = babel_parse_date(numeric, locale=locale, format="short")
    except (ValueError, IndexError, StopIteration):
        raise DateError(f"not a date: {_shown(raw)}") from None
    if str(value.year) not in numbers:
        raise DateError(f"not a date: {_shown(raw)}")
    _check_year(value, raw)
    return value


@functools.lru_cache(maxsize=32)
def _month_numbers(locale: str) -> dict[str, int]:
    """The locale's month names, full and abbreviated, case-folded, to their numbers."""
    from babel.dates import get_month_names

    names: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for number, name in get_month_names(width, context, locale=locale).items():
                names[name.casefold().rstrip(".")] = number
    return names
