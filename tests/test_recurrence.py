"""Recurrence rules: plain phrases and RRULEs, expanded by dateutil."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from giftbalance.values.recurrence import (
    RuleError,
    describe,
    first_occurrence,
    next_occurrence,
    occurrences,
    parse_rule,
    restated_from,
)


@pytest.mark.parametrize(
    ("text", "rule", "words"),
    [
        ("week", "FREQ=WEEKLY", "every week"),
        ("every week", "FREQ=WEEKLY", "every week"),
        ("weekly", "FREQ=WEEKLY", "every week"),
        ("2 weeks", "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
        ("every 2 weeks", "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
        ("Every  2   Weeks", "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
        ("2weeks", "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
        ("fortnightly", "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
        ("1 week", "FREQ=WEEKLY", "every week"),
        ("day", "FREQ=DAILY", "every day"),
        ("daily", "FREQ=DAILY", "every day"),
        ("3 days", "FREQ=DAILY;INTERVAL=3", "every 3 days"),
        ("month", "FREQ=MONTHLY", "every month"),
        ("monthly", "FREQ=MONTHLY", "every month"),
        ("quarterly", "FREQ=MONTHLY;INTERVAL=3", "every 3 months"),
        ("6 months", "FREQ=MONTHLY;INTERVAL=6", "every 6 months"),
        ("yearly", "FREQ=YEARLY", "every year"),
        ("annually", "FREQ=YEARLY", "every year"),
        ("1000 days", "FREQ=DAILY;INTERVAL=1000", "every 1000 days"),
    ],
)
def test_phrases(text: str, rule: str, words: str) -> None:
    assert parse_rule(text) == rule
    assert describe(rule) == words


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("FREQ=WEEKLY", "FREQ=WEEKLY"),
        ("freq=weekly;byday=mo,we", "FREQ=WEEKLY;BYDAY=MO,WE"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=1", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR", "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR"),
        ("FREQ=WEEKLY;INTERVAL=2;COUNT=5", "FREQ=WEEKLY;INTERVAL=2;COUNT=5"),
        ("FREQ=DAILY;UNTIL=20301231", "FREQ=DAILY;UNTIL=20301231"),
        ("FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY;BYMONTHDAY=31"),
    ],
)
def test_rrules_are_accepted_in_canonical_case(text: str, rule: str) -> None:
    assert parse_rule(text) == rule


def test_describe_leaves_complex_rules_as_they_are() -> None:
    assert describe("FREQ=WEEKLY;BYDAY=MO,WE") == "FREQ=WEEKLY;BYDAY=MO,WE"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("sometimes", "not a recurrence"),
        ("every weekday", "not a recurrence"),
        ("2 fortnights", "not a recurrence"),
        ("weeks", "how many weeks"),
        ("every 0 weeks", "between 1 and 1000"),
        ("1001 days", "between 1 and 1000"),
        ("2 weekly", "not a recurrence"),
        ("FREQ=HOURLY", "FREQ=DAILY, WEEKLY, MONTHLY or YEARLY"),
        ("FREQ=MINUTELY", "FREQ=DAILY"),
        ("BYDAY=MO", "FREQ=DAILY"),
        ("FREQ=WEEKLY;INTERVAL=0", "between 1 and 1000"),
        ("FREQ=WEEKLY;INTERVAL=x", "between 1 and 1000"),
        ("FREQ=WEEKLY;INTERVAL=5000", "between 1 and 1000"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a valid RRULE"),
        ("FREQ=WEEKLY;COUNT=x", "not a valid RRULE"),
        ("FREQ=WEEKLY;FOO=1", "not a valid RRULE"),
        ("DTSTART:20260101\nRRULE:FREQ=WEEKLY", "DTSTART"),
        ("FREQ=WEEKLY;DTSTART=20260101", "DTSTART"),
        ("FREQ=DAILY;BYHOUR=8,18", "not times of day"),
        ("FREQ=WEEKLY;BYMINUTE=5", "not times of day"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20270101", "COUNT or UNTIL"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never falls on a date"),
        ("FREQ=DAILY;UNTIL=19990101", "never falls on a date"),
    ],
)
def test_parse_rule_refuses(text: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_rule(text)


@given(st.text(max_size=40))
def test_parse_rule_returns_a_usable_rule_or_a_rule_error(text: str) -> None:
    try:
        rule = parse_rule(text)
    except RuleError:
        return
    assert rule == parse_rule(rule), "canonical text parses to itself"
    assert first_occurrence(rule, date(2000, 1, 1)) is not None


@given(
    st.sampled_from(["day", "week", "month", "year"]),
    st.integers(min_value=1, max_value=12),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
)
def test_occurrences_step_by_the_interval(unit: str, interval: int, start: date) -> None:
    rule = parse_rule(f"{interval} {unit}s" if interval > 1 else unit)
    step = {
        "day": relativedelta(days=interval),
        "week": relativedelta(weeks=interval),
        "month": relativedelta(months=interval),
        "year": relativedelta(years=interval),
    }[unit]
    got = occurrences(rule, start, start, start + 4 * step)
    assert got[0] == start
    # Months and years skip dates that do not exist (Jan 31 + 1 month), as RFC 5545 says.
    candidates = [start + k * step for k in range(5)]
    if unit in ("month", "year"):
        candidates = [d for d in candidates if d.day == start.day]
    expected = candidates
    assert got == expected
    later = occurrences(rule, start, start, start + 12 * step)
    assert next_occurrence(rule, start, start) == later[1]
    assert next_occurrence(rule, start, later[1]) == later[2]
    assert first_occurrence(rule, start) == start


def test_occurrences_window_is_inclusive_and_empty_when_reversed() -> None:
    rule = parse_rule("week")
    start = date(2026, 11, 2)
    assert occurrences(rule, start, date(2026, 11, 9), date(2026, 11, 16)) == [
        date(2026, 11, 9),
        date(2026, 11, 16),
    ]
    assert occurrences(rule, start, date(2026, 11, 16), date(2026, 11, 9)) == []
    assert occurrences(rule, start, date(2026, 10, 1), date(2026, 11, 1)) == []


def test_byday_rule_moves_the_first_occurrence() -> None:
    rule = parse_rule("FREQ=WEEKLY;BYDAY=FR")
    wednesday = date(2026, 11, 25)
    assert first_occurrence(rule, wednesday) == date(2026, 11, 27)
    assert next_occurrence(rule, wednesday, date(2026, 11, 27)) == date(2026, 12, 4)


def test_next_occurrence_is_none_once_a_rule_ends() -> None:
    rule = parse_rule("FREQ=WEEKLY;COUNT=2")
    start = date(2026, 11, 2)
    assert next_occurrence(rule, start, start) == start + timedelta(weeks=1)
    assert next_occurrence(rule, start, start + timedelta(weeks=1)) is None


def test_month_end_rule_skips_short_months() -> None:
    rule = parse_rule("FREQ=MONTHLY;BYMONTHDAY=31")
    got = occurrences(rule, date(2026, 1, 31), date(2026, 1, 1), date(2026, 6, 30))
    assert got == [date(2026, 1, 31), date(2026, 3, 31), date(2026, 5, 31)]


def test_plain_rrules_are_stored_in_one_spelling() -> None:
    # Found by hypothesis through `need add --every`: the same rule must read the same.
    assert parse_rule("FREQ=DAILY;INTERVAL=1") == parse_rule("day") == "FREQ=DAILY"
    assert parse_rule("rrule:interval=2;freq=weekly") == parse_rule("2 weeks")
    assert parse_rule("FREQ=MONTHLY;BYMONTHDAY=1") == "FREQ=MONTHLY;BYMONTHDAY=1"


@given(
    body=st.sampled_from(
        [
            "FREQ=WEEKLY;COUNT={n}",
            "FREQ=DAILY;INTERVAL=3;COUNT={n}",
            "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT={n}",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT={n}",
            "FREQ=MONTHLY;COUNT={n};BYDAY=1SA",
            "FREQ=WEEKLY;INTERVAL=2",
        ]
    ),
    count=st.integers(1, 12),
    start=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    skip=st.integers(0, 12),
)
def test_a_rule_restated_from_an_occurrence_keeps_the_dates_ahead(body, count, start, skip):
    rule = parse_rule(body.format(n=count))
    first = first_occurrence(rule, start)
    assert first is not None
    end = first + timedelta(days=3000)  # past every COUNT above; the endless rule is cut here
    ahead = occurrences(rule, first, first, end)
    restart = ahead[min(skip, len(ahead) - 1)]
    restated = restated_from(rule, first, restart)
    assert occurrences(restated, restart, restart, end) == [d for d in ahead if d >= restart]
    assert ("COUNT" in restated) == ("COUNT" in rule)
