"""Recurring needs: plain phrases and RFC 5545 RRULEs, stored and expanded with dateutil.

A rule is stored as its RRULE text without DTSTART (``FREQ=WEEKLY;INTERVAL=2``); the need's
first date is the DTSTART. All date arithmetic is dateutil's ``rrule``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from giftbalance.values.numbers import digit_hint, foreign_digit

if TYPE_CHECKING:
    from dateutil.rrule import rrule

_UNITS = {
    "day": "DAILY",
    "days": "DAILY",
    "week": "WEEKLY",
    "weeks": "WEEKLY",
    "month": "MONTHLY",
    "months": "MONTHLY",
    "year": "YEARLY",
    "years": "YEARLY",
}
_ADVERBS = {
    "daily": ("DAILY", 1),
    "weekly": ("WEEKLY", 1),
    "fortnightly": ("WEEKLY", 2),
    "fortnight": ("WEEKLY", 2),
    "monthly": ("MONTHLY", 1),
    "quarterly": ("MONTHLY", 3),
    "yearly": ("YEARLY", 1),
    "annually": ("YEARLY", 1),
}
_NOUNS = {"day": "days", "week": "weeks", "month": "months", "year": "years"}
_FREQ_NOUN = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_PHRASE = re.compile(r"^(?:every\s+)?(?:([0-9]{1,9})\s*)?([a-z]+)$")
_MAX_INTERVAL = 1000
#: The most occurrences a COUNT may ask for (a daily need for 27 years); counting a larger one
#: from a later date would walk the rule up to the year 9999.
_MAX_COUNT = 10_000
_TIME_PARTS = frozenset({"BYHOUR", "BYMINUTE", "BYSECOND"})


class RuleError(ValueError):
    """Text that is neither a recurrence phrase nor a usable RRULE."""


def _shown(text: object) -> str:
    shown = repr(text)
    return shown if len(shown) <= 62 else shown[:58] + "...'"


def _build(rule: str, dtstart: date) -> rrule:
    from dateutil.rrule import rrule as rrule_type
    from dateutil.rrule import rrulestr

    built = rrulestr(rule, dtstart=datetime.combine(dtstart, datetime.min.time()))
    if not isinstance(built, rrule_type):  # pragma: no cover - we never store rule sets
        raise RuleError(f"not a single recurrence rule: {rule!r}")
    return built


def parse_rule(text: str) -> str:
    """Turn ``2 weeks``, ``every month``, ``weekly`` or an RRULE into canonical RRULE text.

    Raises :class:`RuleError` for anything dateutil cannot expand, for rules more often than
    daily or with times of day, for a DTSTART inside the rule (the need's date is the start),
    for COUNT with UNTIL, for a rule that never falls on a date, for intervals over 1000, for a
    COUNT over 10,000, and for digits other than 0-9 (dateutil would read them).
    """
    raw = " ".join(text.strip().split()) if isinstance(text, str) else ""
    if not raw:
        raise RuleError("empty recurrence (expected e.g. '2 weeks', 'month' or FREQ=WEEKLY)")
    if foreign_digit(raw) is not None:
        # dateutil reads every part with int(), which takes any script's digits.
        raise RuleError(f"not a recurrence: {_shown(text)}{digit_hint(raw)}")
    lowered = raw.lower()
    match = _PHRASE.match(lowered)
    if match and not lowered.startswith(("freq", "rrule")):
        count, word = match.groups()
        if word in _ADVERBS and count is None:
            freq, interval = _ADVERBS[word]
        elif word in _UNITS:
            freq, interval = _UNITS[word], int(count or 1)
            if count is None and word.endswith("s"):
                raise RuleError(f"how many {word}? e.g. '2 {word}'")
        else:
            raise RuleError(
                f"not a recurrence: {text!r} (expected e.g. '2 weeks', 'month', FREQ=WEEKLY)"
            )
        if not 1 <= interval <= _MAX_INTERVAL:
            raise RuleError(f"interval must be between 1 and {_MAX_INTERVAL}: {text!r}")
        return _canonical(freq, interval)
    body = raw[len("RRULE:") :] if raw.upper().startswith("RRULE:") else raw
    body = body.upper()
    if "DTSTART" in body:
        raise RuleError("leave DTSTART out of the rule; the need's date is its start")
    parts = dict(p.split("=", 1) for p in body.split(";") if "=" in p)
    if parts.get("FREQ") not in _FREQ_NOUN:
        raise RuleError(f"RRULE needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY: {text!r}")
    interval_text = parts.get("INTERVAL", "1")
    if (
        not re.fullmatch(r"[0-9]{1,9}", interval_text)
        or not 1 <= int(interval_text) <= _MAX_INTERVAL
    ):
        raise RuleError(f"interval must be between 1 and {_MAX_INTERVAL}: {text!r}")
    # Needs fall on dates: a time of day would repeat a date (BYHOUR=8,18 is twice a day).
    timed = sorted(_TIME_PARTS.intersection(parts))
    if timed:
        raise RuleError(f"a need recurs on dates, not times of day: leave out {', '.join(timed)}")
    count_text = parts.get("COUNT")
    if count_text is not None and (
        not re.fullmatch(r"[0-9]{1,9}", count_text) or not 1 <= int(count_text) <= _MAX_COUNT
    ):
        raise RuleError(
            f"not a valid RRULE: {_shown(text)} (COUNT must be from 1 to {_MAX_COUNT:,})"
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError(f"an RRULE has COUNT or UNTIL, not both (RFC 5545): {text!r}")
    try:
        built = _build(body, date(2000, 1, 1))
        first = built.after(datetime(2000, 1, 1), inc=True)
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise RuleError(f"not a valid RRULE: {text!r} ({exc})") from None
    if first is None:
        raise RuleError(f"this RRULE never falls on a date: {text!r}")
    if set(parts) <= {"FREQ", "INTERVAL"}:
        # Plain rules are stored one way whatever the spelling ("FREQ=DAILY;INTERVAL=1").
        return _canonical(parts["FREQ"], int(interval_text))
    return body


def _canonical(freq: str, interval: int) -> str:
    return f"FREQ={freq}" + (f";INTERVAL={interval}" if interval != 1 else "")


def describe(rule: str) -> str:
    """A short human reading of a stored rule: ``every 2 weeks``, or the RRULE itself."""
    match = re.fullmatch(r"FREQ=(DAILY|WEEKLY|MONTHLY|YEARLY)(?:;INTERVAL=(\d+))?", rule)
    if not match:
        return rule
    noun = _FREQ_NOUN[match[1]]
    interval = int(match[2] or 1)
    return f"every {noun}" if interval == 1 else f"every {interval} {_NOUNS[noun]}"


def occurrences(rule: str, dtstart: date, start: date, end: date) -> list[date]:
    """Dates of ``rule`` (starting ``dtstart``) between ``start`` and ``end``, both included."""
    if end < start:
        return []
    built = _build(rule, dtstart)
    lo = datetime.combine(start, datetime.min.time())
    hi = datetime.combine(end, datetime.min.time())
    return [d.date() for d in built.between(lo, hi, inc=True)]


def next_occurrence(rule: str, dtstart: date, after: date) -> date | None:
    """The first date of ``rule`` strictly after ``after``; ``None`` when the rule has ended."""
    built = _build(rule, dtstart)
    found = built.after(datetime.combine(after, datetime.min.time()), inc=False)
    return found.date() if found is not None else None


def restated_from(rule: str, dtstart: date, start: date) -> str:
    """``rule`` (starting ``dtstart``) said again to start at its occurrence ``start``: the
    same dates from ``start`` on. Only ``COUNT`` depends on the start; it becomes the number
    of occurrences left (``COUNT=5`` with two dates before ``start`` becomes ``COUNT=3``)."""
    if not re.search(r"(?:^|;)COUNT=", rule):
        return rule
    moment = datetime.combine(start, datetime.min.time())
    left = sum(1 for d in _build(rule, dtstart) if d >= moment)
    return re.sub(r"(?:(?<=^)|(?<=;))COUNT=\d+", f"COUNT={max(left, 1)}", rule)


def first_occurrence(rule: str, dtstart: date) -> date | None:
    """The first date of ``rule`` on or after ``dtstart`` (a BYDAY rule may move it later)."""
    built = _build(rule, dtstart)
    found = built.after(datetime.combine(dtstart, datetime.min.time()), inc=True)
    return found.date() if found is not None else None
