"""Dates as users type them, and the weeks reports are cut into."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from giftbalance.errors import InputError
from giftbalance.values.dates import DateError, now, parse_date, parse_datetime, today, week_start

PINNED = "2026-11-25"  # a Wednesday


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setenv("GIFTBALANCE_TODAY", PINNED)
    return date.fromisoformat(PINNED)


def test_today_and_now_follow_the_pinned_date(pinned: date) -> None:
    assert today() == pinned
    assert now().date() == pinned
    assert now().microsecond == 0


def test_today_is_the_real_date_when_not_pinned() -> None:
    assert today() == date.today() or today() == date.today() - timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25", date(2026, 11, 25)),
        ("  2026-11-25 ", date(2026, 11, 25)),
        ("20261125", date(2026, 11, 25)),
        ("Nov 25 2026", date(2026, 11, 25)),
        ("November 25, 2026", date(2026, 11, 25)),
        ("25 Nov 2026", date(2026, 11, 25)),
        ("11/25/2026", date(2026, 11, 25)),
        ("2026/11/25", date(2026, 11, 25)),
        ("Wed, 25 Nov 2026", date(2026, 11, 25)),
        ("2026-11-25 00:00", date(2026, 11, 25)),
        ("Feb 29 2028", date(2028, 2, 29)),
        ("Nov 25", date(2026, 11, 25)),  # no year: this year
        ("Jan 3", date(2026, 1, 3)),
    ],
)
def test_parse_date_accepts_iso_and_usual_spellings(
    pinned: date, text: str, expected: date
) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "offset"), [("today", 0), ("Yesterday", -1), ("TOMORROW", 1), (" today ", 0)]
)
def test_parse_date_relative_words(pinned: date, text: str, offset: int) -> None:
    assert parse_date(text) == pinned + timedelta(days=offset)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a date"),
        ("   ", "not a date"),
        ("soon", "not a date"),
        ("next tuesday", "not a date"),
        ("2026-13-01", "not a date"),
        ("2026-02-30", "not a date"),
        ("Feb 29 2027", "not a date"),
        ("31/31/2026", "not a date"),
        ("99999999999999999999", "not a date"),
        ("5", "not a date"),  # would silently be January 5
        ("31", "not a date"),
        ("14:30", "not a date"),  # a time alone would be January 1
        ("00:00", "not a date"),
        ("Nov 2026", "not a date"),  # which day?
        ("2026", "not a date"),
        ("2026-11-25 14:30", "without a time"),
        ("1969-12-31", "out of range"),
        ("2201-01-01", "out of range"),
    ],
)
def test_parse_date_refuses_nonsense(pinned: date, text: str, message: str) -> None:
    with pytest.raises(DateError, match=message):
        parse_date(text)


def test_parse_date_refuses_non_text() -> None:
    with pytest.raises(DateError):
        parse_date(None)  # type: ignore[arg-type]


@given(st.text(max_size=40))
def test_parse_date_returns_a_date_or_a_date_error_for_any_text(text: str) -> None:
    try:
        value = parse_date(text)
    except DateError as exc:
        assert "\n" not in str(exc)
        assert len(str(exc)) < 200
    else:
        assert 1970 <= value.year <= 2200


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 12, 31)))
def test_iso_dates_round_trip(value: date) -> None:
    assert parse_date(value.isoformat()) == value
    assert parse_date(value.strftime("%b %d %Y")) == value
    assert parse_date(value.strftime("%m/%d/%Y")) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25 14:30", datetime(2026, 11, 25, 14, 30)),
        ("2026-11-25T14:30:15", datetime(2026, 11, 25, 14, 30, 15)),
        ("Nov 25 2026 2pm", datetime(2026, 11, 25, 14, 0)),
        ("2026-11-25", datetime(2026, 11, 25)),
        ("2026-11-25 14:30:15.123456", datetime(2026, 11, 25, 14, 30, 15)),
    ],
)
def test_parse_datetime(pinned: date, text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


def test_parse_datetime_now_is_today(pinned: date) -> None:
    assert parse_datetime("now").date() == pinned


def test_parse_datetime_converts_an_offset_to_local_naive_time() -> None:
    parsed = parse_datetime("2026-11-25T12:00:00+00:00")
    utc = datetime.fromisoformat("2026-11-25T12:00:00+00:00")
    assert parsed.tzinfo is None
    assert parsed == utc.astimezone().replace(tzinfo=None)


@pytest.mark.parametrize(
    "text", ["", "later", "14:30", "5", "2026-13-01 10:00", "1900-01-01 10:00"]
)
def test_parse_datetime_refuses(pinned: date, text: str) -> None:
    with pytest.raises(DateError):
        parse_datetime(text)


@given(st.text(max_size=40))
def test_parse_datetime_returns_a_datetime_or_a_date_error(text: str) -> None:
    try:
        value = parse_datetime(text)
    except DateError:
        pass
    else:
        assert value.tzinfo is None
        assert value.microsecond == 0


@given(st.dates(min_value=date(1970, 1, 8), max_value=date(2200, 12, 31)))
def test_week_start(day: date) -> None:
    monday = week_start(day)
    sunday = week_start(day, "sunday")
    assert monday.weekday() == 0
    assert sunday.weekday() == 6
    assert 0 <= (day - monday).days < 7
    assert 0 <= (day - sunday).days < 7
    assert week_start(monday) == monday
    assert week_start(sunday, "sunday") == sunday


def test_week_start_refuses_other_days() -> None:
    with pytest.raises(DateError, match="monday, sunday"):
        week_start(date(2026, 11, 25), "friday")


# -- refused rather than guessed -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-2026-01-01", "a date has no sign"),
        ("+2026-01-01", "a date has no sign"),
        ("\u22122026-01-01", "a date has no sign"),
        ("1/2/3", "is unclear"),
        ("11/25/26", "is unclear"),
        ("1-2-3", "is unclear"),
        ("25.11.2026", "is unclear"),
        ("25-11-2026", "is unclear"),
        ("2026-11 25", "is unclear"),
        ("25/11/2026", "month first"),
        ("13/01", "month first"),
        ("٢٠٢٦-٠١-٠١", "type the digits 0-9, not '٢', arabic-indic digit two"),
        ("１２/２５/２０２６", "fullwidth digit one"),
    ],
)
def test_parse_date_refuses_signs_unclear_numbers_and_other_digits(
    pinned: date, text: str, message: str
) -> None:
    with pytest.raises(DateError, match=re.escape(message)):
        parse_date(text)
    with pytest.raises(DateError, match=re.escape(message)):
        parse_datetime(text + " 10:00")


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 12, 31)))
def test_numeric_dates_read_one_way_only(value: date) -> None:
    assert parse_date(value.strftime("%Y/%m/%d")) == value
    assert parse_date(value.strftime("%Y%m%d")) == value
    assert parse_date(f"{value.month}/{value.day}/{value.year}") == value
    with pytest.raises(DateError, match="unclear"):
        parse_date(value.strftime("%m/%d/%y"))  # a two-digit year
    with pytest.raises(DateError, match="unclear"):
        parse_date(value.strftime("%d.%m.%Y"))  # day first, as much of Europe writes it
    if value.day > 12:
        with pytest.raises(DateError, match="month first"):
            parse_date(value.strftime("%d/%m/%Y"))


def test_a_malformed_pinned_today_is_a_clear_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIFTBALANCE_TODAY", "tomorrow-ish")
    with pytest.raises(InputError, match="GIFTBALANCE_TODAY must be an ISO date"):
        today()
