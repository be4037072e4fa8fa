"""Whole numbers as users type them: digits 0-9, no sign, within what a database column holds."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from giftbalance.errors import InputError
from giftbalance.values.numbers import INT32_MAX, INT64_MAX, foreign_digit, parse_whole


@given(st.integers(min_value=1, max_value=INT64_MAX))
def test_every_number_in_range_reads_back(n: int) -> None:
    assert parse_whole(str(n), "the id") == n
    assert parse_whole(f" {n} ", "the id") == n


@given(st.text(max_size=12))
@example("٥")
@example("1_000")
@example("+5")
@example("5.0")
@example("²")
@example("")
def test_anything_but_ascii_digits_is_refused(text: str) -> None:
    try:
        value = parse_whole(text, "the id")
    except InputError as exc:
        assert str(exc).startswith("the id ")
        assert "\n" not in str(exc) and len(str(exc)) < 200
        return
    assert text.strip().isascii() and text.strip().isdigit()
    assert 1 <= value <= INT64_MAX


@pytest.mark.parametrize(
    ("text", "maximum", "message"),
    [
        ("0", INT64_MAX, "the id 0 is not in the range 1 to"),
        ("9223372036854775808", INT64_MAX, "is not in the range 1 to 9,223,372,036,854,775,807"),
        ("1" * 5000, INT64_MAX, "(5000 digits) is not in the range"),
        ("2147483648", INT32_MAX, "is not in the range 1 to 2,147,483,647"),
        ("٥", INT64_MAX, "not '٥', arabic-indic digit five"),
        ("x", INT64_MAX, "'x' is not a whole number (type it in the digits 0-9, no sign)"),
    ],
)
def test_refusals_say_why(text: str, maximum: int, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_whole(text, "the id", maximum=maximum)
    assert message in str(caught.value)


def test_foreign_digits_are_found_in_any_script() -> None:
    assert foreign_digit("2026") is None
    for ch in "٥۵५৫５²½Ⅻ":
        assert foreign_digit(f"12{ch}") == ch
