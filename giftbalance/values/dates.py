"""Dates as users type them, and the weeks plans and reports are cut into."""

from __future__ import annotations

import functools
import os
import re
from datetime import date, datetime, timedelta

from giftbalance.errors import InputError
from giftbalance.values.numbers import digit_hint, foreign_digit

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


def _pinned() -> date | None:
    pinned = os.environ.get("GIFTBALANCE_TODAY")
    if not pinned:
        return None
    try:
        return date.fromisoformat(pinned)
    except ValueError:
        raise InputError(
            f"GIFTBALANCE_TODAY must be an ISO date such as 2026-11-25, not {_shown(pinned)}"
        ) from None


def today() -> date:
    """Today's date; ``GIFTBALANCE_TODAY`` (ISO date) pins it for reproducible examples."""
    return _pinned() or date.today()


def now() -> datetime:
    """The current local time (seconds precision), consistent with :func:`today`."""
    current = datetime.now().replace(microsecond=0)
    pinned = _pinned()
    if pinned:
        return datetime.combine(pinned, current.time())
    return current


def _check_year(value: date, text: str) -> None:
    if not _MIN_YEAR <= value.year <= _MAX_YEAR:
        raise DateError(f"date out of range: {_shown(text)} (years {_MIN_YEAR} to {_MAX_YEAR})")


def _shown(text: object) -> str:
    """The user's text quoted for an error message, cut short so the message stays one line."""
    shown = repr(text)
    return shown if len(shown) <= 42 else shown[:38] + "...'"


_SIGNS = ("-", "+", "\u2212")  # the last is the minus sign
# A date written in numbers only (then optionally a time): 2026-11-25, 11/25/2026, 20261125.
_NUMERIC = re.compile(r"(?P<date>[0-9]+(?:[-/. ][0-9]+)*)(?:[ T](?P<time>[0-9].*))?")
_EXPECTED = "expected e.g. 2026-11-25"


def _numeric_date(text: str, raw: str) -> tuple[date, str | None] | None:
    """A date written in numbers only, and the time after it if any; ``None`` when ``raw`` is
    not written that way. Raises :class:`DateError` when the numbers can be read more than one
    way.

    Read: ``YYYY-MM-DD`` (also with ``/``, ``.`` or spaces), ``YYYYMMDD``, and month first with
    slashes, ``MM/DD/YYYY`` and ``MM/DD`` (this year). Everything else is refused rather than
    guessed: a two-digit year (``1/2/3``, ``11/25/26``), a day-first date (``25.11.2026``,
    ``25-11-2026``), mixed separators.
    """
    match = _NUMERIC.fullmatch(raw)
    if match is None:
        return None
    numbers = match["date"]
    parts = re.split(r"[-/. ]", numbers)
    separators = set(re.findall(r"[-/. ]", numbers))
    if len(parts) == 1 and len(numbers) == 8:
        year, month, day = int(numbers[:4]), int(numbers[4:6]), int(numbers[6:])
    elif len(parts) == 3 and len(parts[0]) == 4 and len(separators) == 1:
        year, month, day = (int(p) for p in parts)
    elif separators == {"/"} and len(parts) in (2, 3) and (len(parts) == 2 or len(parts[2]) == 4):
        month, day = int(parts[0]), int(parts[1])
        year = int(parts[2]) if len(parts) == 3 else today().year
        if month > 12:
            raise DateError(
                f"not a date: {_shown(text)} (month first: MM/DD/YYYY; or write it as ISO, "
                "YYYY-MM-DD)"
            )
    elif len(parts) == 1:
        raise DateError(f"not a date: {_shown(text)} ({_EXPECTED})")
    else:
        raise DateError(
            f"not a date: {_shown(text)} is unclear (which number is the year, the month, the "
            "day?); write it as YYYY-MM-DD, e.g. 2026-11-25"
        )
    if max(len(p) for p in parts) > 8:
        raise DateError(f"not a date: {_shown(text)} ({_EXPECTED})")
    try:
        return date(year, month, day), match["time"]
    except ValueError:
        raise DateError(f"not a date: {_shown(text)} ({_EXPECTED})") from None


def _refuse_signs_and_foreign_digits(text: str, raw: str, what: str) -> None:
    if raw[:1] in _SIGNS:
        raise DateError(f"not a {what}: {_shown(text)} (a date has no sign; {_EXPECTED})")
    if foreign_digit(raw) is not None:
        raise DateError(f"not a {what}: {_shown(text)}{digit_hint(raw)}")


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
    :class:`DateError` for anything else, including text without a month and a day, a sign
    (``-2026-01-01``), digits other than 0-9, and numbers that can be read several ways
    (``1/2/3``, ``25.11.2026``: see :func:`_numeric_date`)."""
    raw = text.strip() if isinstance(text, str) else ""
    if raw.lower() in _RELATIVE:
        return today() + timedelta(days=_RELATIVE[raw.lower()])
    if not raw or not re.search(r"\d", raw):
        raise DateError(f"not a date: {_shown(text)} (expected e.g. 2026-11-25)")
    _refuse_signs_and_foreign_digits(text, raw, "date")
    numeric = _numeric_date(text, raw)
    if numeric is not None:
        day, time = numeric
        if time is None:
            _check_year(day, text)
            return day
        raw = f"{day.isoformat()} {time}"
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
    _refuse_signs_and_foreign_digits(text, raw, "date and time")
    numeric = _numeric_date(text, raw)
    if numeric is not None:
        day, time = numeric
        raw = f"{day.isoformat()} {time or '00:00'}"
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
