"""Money: parsing what people type, formatting what they read, and refusing everything else."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from giftbalance.values.money import (
    CURRENCY_DIGITS,
    MAX_UNITS,
    Money,
    MoneyError,
    currency_digits,
    format_money,
    minor_to_decimal,
    parse_currency,
    parse_money,
    parse_rate,
    tax_on,
)

CURRENCIES = sorted(CURRENCY_DIGITS)


@st.composite
def money(draw: st.DrawFn, *, currency: str | None = None) -> Money:
    """A positive amount a user may type: 1 minor unit up to the limit, in any currency."""
    code = currency or draw(st.sampled_from(CURRENCIES))
    top = MAX_UNITS * 10 ** currency_digits(code)
    return Money(draw(st.integers(min_value=1, max_value=top)), code)


# -- currencies -------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "digits"), [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3)])
def test_currency_digits_follow_iso_4217(code: str, digits: int) -> None:
    assert currency_digits(code) == digits


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(MoneyError, match="unknown currency"):
        currency_digits("XYZ")
    with pytest.raises(MoneyError):
        Money(100, "usd")


@pytest.mark.parametrize("text", ["usd", " USD ", "Usd"])
def test_parse_currency_normalises_case_and_space(text: str) -> None:
    assert parse_currency(text) == "USD"


@pytest.mark.parametrize("text", ["", "US", "DOLLAR", "XYZ", "$"])
def test_parse_currency_refuses_unknown_codes(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_currency(text)


# -- the Money value --------------------------------------------------------------------------


def test_money_refuses_floats_and_bools_as_minor_units() -> None:
    with pytest.raises(TypeError):
        Money(25.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "USD")
    with pytest.raises(TypeError):
        Money(Decimal(1), "USD")  # type: ignore[arg-type]


def test_money_arithmetic_refuses_mixed_currencies() -> None:
    usd, eur = Money(100, "USD"), Money(100, "EUR")
    with pytest.raises(MoneyError, match="USD with EUR"):
        usd + eur
    with pytest.raises(MoneyError):
        usd - eur
    with pytest.raises(MoneyError):
        usd < eur  # noqa: B015
    with pytest.raises(TypeError):
        usd + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        usd * 1.5  # type: ignore[operator]


@given(money(), st.integers(min_value=0, max_value=10**9), st.integers(min_value=-5, max_value=5))
def test_money_arithmetic_is_integer_arithmetic(a: Money, b_minor: int, factor: int) -> None:
    b = Money(b_minor, a.currency)
    assert (a + b).minor == a.minor + b_minor
    assert (a - b).minor == a.minor - b_minor
    assert (-a).minor == -a.minor
    assert (a * factor).minor == a.minor * factor
    assert (a < b) == (a.minor < b_minor)
    assert (a >= b) == (a.minor >= b_minor)
    assert Money.zero(a.currency) + a == a


# -- formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "currency", "plain", "people"),
    [
        (2550, "USD", "25.50", "25.50 USD"),
        (5, "USD", "0.05", "0.05 USD"),
        (123456, "USD", "1234.56", "1,234.56 USD"),
        (1000, "JPY", "1000", "1,000 JPY"),
        (1234567, "KWD", "1234.567", "1,234.567 KWD"),
        (1, "KWD", "0.001", "0.001 KWD"),
        (-2550, "USD", "-25.50", "-25.50 USD"),
        (0, "EUR", "0.00", "0.00 EUR"),
    ],
)
def test_format_money_has_exactly_the_currencys_digits(
    minor: int, currency: str, plain: str, people: str
) -> None:
    value = Money(minor, currency)
    assert format_money(value, code=False) == plain
    assert format_money(value, grouping=True) == people
    assert str(value) == f"{plain} {currency}"


@given(money())
def test_format_then_parse_round_trips_in_every_currency(value: Money) -> None:
    digits = currency_digits(value.currency)
    for text in (
        format_money(value),
        format_money(value, code=False),
        format_money(value, grouping=True),
        format_money(value, code=False, grouping=True),
        f"{value.currency} {format_money(value, code=False)}",
        f"{format_money(value, code=False)}{value.currency.lower()}",
    ):
        assert parse_money(text, value.currency) == value, text
    plain = format_money(value, code=False)
    assert plain.count(".") == (1 if digits else 0)
    if digits:
        assert len(plain.split(".")[1]) == digits
    assert minor_to_decimal(value) == Decimal(plain)


@given(money(currency="USD"))
def test_dollar_symbols_round_trip_for_usd(value: Money) -> None:
    plain = format_money(value, code=False, grouping=True)
    for text in (f"${plain}", f"$ {plain}", f"US${plain}", f"USD ${plain}", f"${plain} USD"):
        assert parse_money(text, "USD") == value


# -- parsing what people type -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("25", "USD", 2500),
        ("25.5", "USD", 2550),
        ("25.50", "USD", 2550),
        ("$25.50", "USD", 2550),
        ("1,234.56", "USD", 123456),
        ("25.50 USD", "USD", 2550),
        ("USD 25.50", "USD", 2550),
        ("  25.50usd ", "USD", 2550),
        ("+25", "USD", 2500),
        (".5", "USD", 50),
        ("0.01", "USD", 1),
        ("€12.30", "EUR", 1230),
        ("£7", "GBP", 700),
        ("C$10", "CAD", 1000),
        ("$10", "CAD", 1000),
        ("1000", "JPY", 1000),
        ("¥1,000", "JPY", 1000),
        ("1000 JPY", "JPY", 1000),
        ("1.5", "KWD", 1500),
        ("1.234", "KWD", 1234),
        ("1,000,000", "USD", 100_000_000),
        ("1000000.00", "USD", 100_000_000),
        ("1000000.000", "KWD", 1_000_000_000),
    ],
)
def test_parse_money_accepts_the_usual_spellings(text: str, currency: str, minor: int) -> None:
    assert parse_money(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("-5", "USD", "positive"),
        ("−5", "USD", "positive"),
        ("$-5", "USD", "positive"),
        ("-$5", "USD", "positive"),
        ("- 0.01", "USD", "positive"),
        ("0", "USD", "more than zero"),
        ("0.00", "USD", "more than zero"),
        ("$0", "USD", "more than zero"),
        ("25.505", "USD", "2 decimal places"),
        ("25.500", "USD", "2 decimal places"),
        ("1000.5", "JPY", "no decimal places"),
        ("1000.0", "JPY", "no decimal places"),
        ("1.2345", "KWD", "3 decimal places"),
        ("twenty", "USD", "not an amount"),
        ("", "USD", "not an amount"),
        ("   ", "USD", "not an amount"),
        ("USD", "USD", "not an amount"),
        ("$", "USD", "not an amount"),
        ("NaN", "USD", "not an amount"),
        ("nan", "USD", "not an amount"),
        ("inf", "USD", "not an amount"),
        ("Infinity", "USD", "not an amount"),
        ("-Infinity", "USD", "not an amount"),
        ("1e3", "USD", "not an amount"),
        ("1E3", "USD", "not an amount"),
        ("0x10", "USD", "not an amount"),
        ("1_000", "USD", "not an amount"),
        ("25,50", "USD", "not an amount"),
        ("1,23", "USD", "not an amount"),
        ("25.", "USD", "not an amount"),
        ("25.50.1", "USD", "not an amount"),
        ("25 $", "USD", "not an amount"),
        ("٢٥", "USD", "not an amount"),
        ("２５", "USD", "not an amount"),
        ("USD 25 USD", "USD", "currency given twice"),
        ("1,000,000.01", "USD", "over the limit"),
        ("1000001", "JPY", "over the limit"),
        ("1000000.001", "KWD", "over the limit"),
        ("9" * 5000, "USD", "over the limit"),
        ("25.50 EUR", "USD", "in EUR but the account is in USD"),
        ("EUR 25.50", "USD", "in EUR"),
        ("25 usd", "JPY", "in USD"),
        ("€25", "USD", "does not denote USD"),
        ("$25", "EUR", "does not denote EUR"),
        ("C$25", "USD", "does not denote USD"),
        ("25 XYZ", "USD", "unknown currency"),
    ],
)
def test_parse_money_refuses(text: str, currency: str, message: str) -> None:
    with pytest.raises(MoneyError, match=message) as caught:
        parse_money(text, currency)
    assert "\n" not in str(caught.value)
    assert len(str(caught.value)) < 200, "the message repeats a huge input"


def test_parse_money_allows_zero_only_when_asked() -> None:
    assert parse_money("0", "USD", allow_zero=True) == Money(0, "USD")
    assert parse_money("0.00 USD", "USD", allow_zero=True) == Money(0, "USD")
    with pytest.raises(MoneyError, match="positive"):
        parse_money("-0", "USD", allow_zero=True)


def test_parse_money_refuses_non_text() -> None:
    for value in (None, 25, 25.5, Decimal("25.5")):
        with pytest.raises(MoneyError):
            parse_money(value, "USD")  # type: ignore[arg-type]


@given(st.text(max_size=40), st.sampled_from(["USD", "JPY", "KWD"]))
def test_parse_money_returns_money_or_a_money_error_for_any_text(text: str, currency: str) -> None:
    try:
        value = parse_money(text, currency)
    except MoneyError as exc:
        assert "\n" not in str(exc)
    else:
        assert value.currency == currency
        assert 0 < value.minor <= MAX_UNITS * 10 ** currency_digits(currency)


@given(
    st.sampled_from(["USD", "JPY", "KWD"]),
    st.integers(min_value=0, max_value=MAX_UNITS * 2),
    st.text(alphabet="0123456789", min_size=0, max_size=5),
)
def test_parse_money_agrees_with_exact_decimal_arithmetic(
    currency: str, whole: int, frac: str
) -> None:
    text = f"{whole}.{frac}" if frac else str(whole)
    digits = currency_digits(currency)
    exact = Decimal(text) * 10**digits
    try:
        value = parse_money(text, currency)
    except MoneyError:
        assert len(frac) > digits or exact == 0 or exact > MAX_UNITS * 10**digits
    else:
        assert len(frac) <= digits
        assert Decimal(value.minor) == exact


# -- tax rates and tax ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("8.875", "8.875"),
        ("8.875%", "8.875"),
        (" 8.875 % ", "8.875"),
        ("10", "10"),
        ("100", "100"),
        ("0", "0"),
        ("0.000", "0"),
        ("7.50", "7.5"),
        ("8.87500", "8.875"),
        ("0.0001", "0.0001"),
    ],
)
def test_parse_rate_gives_plain_decimal_text(text: str, shown: str) -> None:
    rate = parse_rate(text)
    assert str(rate) == shown
    assert rate == Decimal(text.strip().removesuffix("%"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "not a percentage"),
        ("abc", "not a percentage"),
        ("", "not a percentage"),
        ("1e2", "not a percentage"),
        ("NaN", "not a percentage"),
        ("100.01", "over 100"),
        ("8.12345", "more than 4 decimals"),
    ],
)
def test_parse_rate_refuses(text: str, message: str) -> None:
    with pytest.raises(MoneyError, match=message):
        parse_rate(text)


@pytest.mark.parametrize(
    ("minor", "rate", "rounding", "tax"),
    [
        (1000, "8.875", ROUND_HALF_UP, 89),  # 88.75 cents
        (1000, "8.865", ROUND_HALF_UP, 89),  # 88.65
        (2000, "0.025", ROUND_HALF_UP, 1),  # 0.5 cent rounds up
        (2000, "0.025", ROUND_HALF_EVEN, 0),  # ... or to even
        (1000, "0", ROUND_HALF_UP, 0),
    ],
)
def test_tax_on_names_its_rounding(minor: int, rate: str, rounding: str, tax: int) -> None:
    assert tax_on(Money(minor, "USD"), Decimal(rate), rounding) == Money(tax, "USD")


@given(
    money(),
    st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False),
)
def test_tax_on_is_exact_rational_arithmetic_rounded_half_up(value: Money, rate: Decimal) -> None:
    exact = Fraction(value.minor) * Fraction(rate) / 100
    floor = exact.numerator // exact.denominator
    expected = floor + (1 if exact - floor >= Fraction(1, 2) else 0)
    assert tax_on(value, rate).minor == expected
