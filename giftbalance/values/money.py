"""Money: integer minor units plus an ISO 4217 currency code.

Every amount a user types goes through :func:`parse_money`; every amount the tool shows goes
through :func:`format_money`. No float ever holds money: amounts are ``int`` minor units (cents
for USD, yen for JPY, fils for KWD) and rates are :class:`decimal.Decimal`. Where a computation
has to round (sales tax) the rounding mode is named at the call.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from giftbalance.values.numbers import digit_hint

Currency = str

# ISO 4217 active codes with their number of minor digits (the "E" column of the standard).
# Codes with 2 digits are listed in _TWO_DIGIT; the exceptions are spelled out.
_ZERO_DIGIT = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DIGIT = "BHD IQD JOD KWD LYD OMR TND"
_FOUR_DIGIT = "CLF UYW"
_TWO_DIGIT = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR "
    "FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW "
    "KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN "
    "NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD "
    "SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS "
    "VED VES WST XCD XCG YER ZAR ZMW ZWG"
)
CURRENCY_DIGITS: dict[Currency, int] = {
    **{code: 2 for code in _TWO_DIGIT.split()},
    **{code: 0 for code in _ZERO_DIGIT.split()},
    **{code: 3 for code in _THREE_DIGIT.split()},
    **{code: 4 for code in _FOUR_DIGIT.split()},
}

#: The largest amount accepted from a user, in major units of any currency.
MAX_UNITS = 1_000_000

_DOLLARS = frozenset(
    [
        "USD",
        "CAD",
        "AUD",
        "NZD",
        "SGD",
        "HKD",
        "MXN",
        "TWD",
        "BSD",
        "BBD",
        "BZD",
        "BMD",
        "FJD",
        "JMD",
        "LRD",
        "NAD",
        "SBD",
        "SRD",
        "TTD",
        "XCD",
    ]
)
_SYMBOLS: dict[str, frozenset[Currency]] = {
    "$": _DOLLARS,
    "US$": frozenset({"USD"}),
    "C$": frozenset({"CAD"}),
    "A$": frozenset({"AUD"}),
    "€": frozenset({"EUR"}),
    "£": frozenset({"GBP"}),
    "¥": frozenset({"JPY", "CNY"}),
    "₹": frozenset({"INR"}),
}
_SYMBOL_RE = "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
_AMOUNT_RE = re.compile(
    rf"""^
    (?P<sign>[-+−])?\s*
    (?:(?P<code1>[A-Za-z]{{3}})\s*)?
    (?P<symbol>{_SYMBOL_RE})?\s*
    (?P<sign2>[-+−])?\s*
    (?P<int>[0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]+)?
    (?:\.(?P<frac>[0-9]+))?
    (?:\s*(?P<code2>[A-Za-z]{{3}}))?
    $""",
    re.VERBOSE,
)


class MoneyError(ValueError):
    """Text that is not an acceptable amount, or arithmetic mixing currencies."""


def currency_digits(currency: Currency) -> int:
    """Return the number of minor digits of an ISO 4217 ``currency`` (USD 2, JPY 0, KWD 3)."""
    try:
        return CURRENCY_DIGITS[currency]
    except KeyError:
        raise MoneyError(
            f"unknown currency {currency!r} (expected an ISO 4217 code such as USD)"
        ) from None


def parse_currency(text: str) -> Currency:
    """Normalise a user-typed currency code (``usd`` -> ``USD``); refuse unknown codes."""
    code = text.strip().upper()
    currency_digits(code)
    return code


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``minor`` units of ``currency`` (2550 USD is 25.50 USD)."""

    minor: int
    currency: Currency

    def __post_init__(self) -> None:
        if type(self.minor) is not int:
            raise TypeError(f"Money.minor must be an int, not {type(self.minor).__name__}")
        currency_digits(self.currency)

    @classmethod
    def zero(cls, currency: Currency) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if type(factor) is not int:
            raise TypeError("Money can only be multiplied by an int")
        return Money(self.minor * factor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def __str__(self) -> str:
        return format_money(self)


def _shown(text: object) -> str:
    """The user's text quoted for an error message, cut short so the message stays one line."""
    shown = repr(text)
    return shown if len(shown) <= 42 else shown[:38] + "...'"


def parse_money(text: str, currency: Currency, *, allow_zero: bool = False) -> Money:
    """Parse user text into :class:`Money` of ``currency`` (the account's currency).

    Accepts ``25``, ``25.5``, ``25.50``, ``$25.50``, ``1,234.56``, ``25.50 USD``, ``USD 25.50``.
    Refuses negative amounts, zero (unless ``allow_zero``), more decimals than the currency has,
    anything that is not a plain decimal number (text, NaN, Infinity, exponents), amounts over
    :data:`MAX_UNITS`, and a code or symbol naming another currency. Raises :class:`MoneyError`
    with a message fit to show the user.
    """
    digits = currency_digits(currency)
    raw = text.strip() if isinstance(text, str) else ""
    match = _AMOUNT_RE.match(raw)
    if not raw or match is None or (match["int"] is None and match["frac"] is None):
        raise MoneyError(
            f"not an amount: {_shown(text)}"
            + (digit_hint(raw) or f" (expected something like 25.50 or 25.50 {currency})")
        )
    if match["code1"] and match["code2"]:
        raise MoneyError(f"not an amount: {_shown(text)} (currency given twice)")
    code = (match["code1"] or match["code2"] or "").upper()
    if code:
        if code not in CURRENCY_DIGITS:
            raise MoneyError(f"unknown currency {code!r} in {_shown(text)}")
        if code != currency:
            raise MoneyError(f"amount is in {code} but the account is in {currency}")
    symbol = match["symbol"]
    if symbol and currency not in _SYMBOLS[symbol]:
        raise MoneyError(f"{symbol} does not denote {currency}, the account's currency")
    if match["sign"] in ("-", "−") or match["sign2"] in ("-", "−"):
        raise MoneyError(f"amount must be positive: {_shown(text)}")
    frac = match["frac"] or ""
    if len(frac) > digits:
        places = "no decimal places" if digits == 0 else f"{digits} decimal places"
        raise MoneyError(f"{currency} has {places}: {_shown(text)}")
    whole = (match["int"] or "0").replace(",", "").lstrip("0") or "0"
    # Checked on the digits before int(): Python refuses to convert very long digit strings.
    if len(whole) > len(str(MAX_UNITS)):
        raise MoneyError(f"amount over the limit of {MAX_UNITS:,} {currency}: {_shown(text)}")
    minor = int(whole) * 10**digits + int(frac.ljust(digits, "0") or "0")
    if minor == 0 and not allow_zero:
        raise MoneyError(f"amount must be more than zero: {_shown(text)}")
    if minor > MAX_UNITS * 10**digits:
        raise MoneyError(f"amount over the limit of {MAX_UNITS:,} {currency}: {_shown(text)}")
    return Money(minor, currency)


_SIGNS = ("-", "−", "+")  # the first two are minus signs


def parse_signed_money(text: str, currency: str, *, allow_zero: bool = False) -> Money:
    """Parse an amount that may carry a sign (``-5.00``, ``+5.00``, ``5.00``).

    The one place a sign is read: the sign is taken off, the rest goes through
    :func:`parse_money` (which refuses negatives, so a second sign is an
    error), and the result is negated for ``-``. Raises :class:`MoneyError`.
    """
    raw = text.strip() if isinstance(text, str) else ""
    negative = raw[:1] in _SIGNS[:2]
    if raw[:1] in _SIGNS:
        raw = raw[1:]
        if raw.lstrip()[:1] in _SIGNS:
            raise MoneyError(f"not an amount: {text!r} (two signs)")
    value = parse_money(raw, currency, allow_zero=allow_zero)
    return Money(-value.minor, currency) if negative else value


_STORED = re.compile(r"(-?)([0-9]{1,19})(?:\.([0-9]+))?")
#: The largest integer a money column holds (64-bit, as PostgreSQL's BIGINT).
MAX_STORED = 2**63 - 1


def parse_stored_money(text: str, currency: str) -> int:
    """Minor units from money as an export writes it: the exact inverse of
    ``format_money(m, code=False)`` (``"-12.34"``, ``"1500"`` for JPY), with exactly the
    currency's digits. Not for user input: unlike :func:`parse_money` it has
    no upper limit, because a stored balance may exceed what one typed amount may be.
    Raises :class:`MoneyError`.
    """
    digits = currency_digits(currency)
    match = _STORED.fullmatch(text)
    if match is None or len(match[3] or "") != digits:
        example = data_money(2550 * 10**digits // 100, currency)
        raise MoneyError(f"not an amount as exported: {text!r} (expected e.g. {example})")
    minor: int = int(match[2]) * 10**digits + int(match[3] or 0)
    if minor > MAX_STORED:
        raise MoneyError(f"amount too large to store: {text!r}")
    return -minor if match[1] else minor


def format_money(money: Money, *, code: bool = True, grouping: bool = False) -> str:
    """Format ``money`` with exactly the currency's minor digits: ``25.50 USD``.

    ``code=False`` gives the bare number (``"25.50"``, the JSON and CSV form); ``grouping=True``
    adds thousands separators for people (``1,234.56 USD``).
    """
    digits = currency_digits(money.currency)
    sign = "-" if money.minor < 0 else ""
    whole, frac = divmod(abs(money.minor), 10**digits)
    number = f"{whole:,}" if grouping else str(whole)
    if digits:
        number += "." + str(frac).rjust(digits, "0")
    text = sign + number
    return f"{text} {money.currency}" if code else text


def show_money(minor: int, currency: str) -> str:
    """Minor units for people: ``1,234.50 USD`` (:func:`format_money` with grouping)."""
    return format_money(Money(minor, currency), grouping=True)


def data_money(minor: int, currency: str) -> str:
    """Minor units for JSON and CSV: ``1234.50`` (:func:`format_money` without the code)."""
    return format_money(Money(minor, currency), code=False)


def minor_to_decimal(money: Money) -> Decimal:
    """The exact decimal value of ``money`` in major units (for journals and charts' labels)."""
    return Decimal(money.minor).scaleb(-currency_digits(money.currency))


def parse_rate(text: str) -> Decimal:
    """Parse a percentage such as ``8.875`` or ``8.875%`` (0 to 100, at most 4 decimals,
    digits 0-9 only)."""
    raw = text.strip().removesuffix("%").strip() if isinstance(text, str) else ""
    if not re.fullmatch(r"[0-9]{1,20}(\.[0-9]{1,20})?", raw):
        raise MoneyError(
            f"not a percentage: {_shown(text)}"
            + (digit_hint(raw) or " (expected something like 8.25)")
        )
    try:
        rate = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the regex admits only plain decimals
        raise MoneyError(f"not a percentage: {text!r}") from None
    if rate > 100:
        raise MoneyError(f"tax rate over 100%: {_shown(text)}")
    # normalize() alone turns 10 into 1E+1, which would be stored and shown as such.
    rate = rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()
    if -rate.as_tuple().exponent > 4:  # type: ignore[operator]
        raise MoneyError(f"tax rate has more than 4 decimals: {_shown(text)}")
    return rate


def tax_on(amount: Money, rate_percent: Decimal, rounding: str = ROUND_HALF_UP) -> Money:
    """Sales tax on ``amount`` at ``rate_percent``, rounded to a minor unit with ``rounding``."""
    exact = Decimal(amount.minor) * rate_percent / Decimal(100)
    return Money(int(exact.quantize(Decimal(1), rounding=rounding)), amount.currency)


_STORABLE = 2**63 - 1
_MINUS_SIGNS = ("-", "−", "–")  # hyphen-minus, minus sign, en dash (pages use all three)
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def parse_local_money(text: str, currency: Currency, locale: str) -> Money:
    """A signed amount as a store's page writes it in ``locale`` (a Babel locale such as
    ``de_DE``): ``$25.00``, ``-$38.10``, ``£12.50``, ``-12,50 €``, ``-￥1,650``.

    The currency's symbols and code are those Babel knows for ``locale`` and for English; the
    number is read by Babel with the locale's separators, strictly (``1.234,50`` in German,
    ``1,650`` in Japanese). Refuses another currency's symbol, more decimals than ``currency``
    has, zero and anything that is not an amount. Raises :class:`MoneyError`.
    """
    if not isinstance(text, str):
        raise MoneyError(f"not an amount in {currency}: {_shown(text)}")
    return Money(_local_minor(text, currency, locale), currency)


@functools.lru_cache(maxsize=8192)
def _local_minor(text: str, currency: Currency, locale: str) -> int:
    """:func:`parse_local_money`'s minor units (amounts repeat: each text is read once)."""
    from babel.numbers import NumberFormatError, parse_decimal

    digits = currency_digits(currency)
    raw = _SPACES.sub("", text)
    negative = raw[:1] in _MINUS_SIGNS
    if raw[:1] in (*_MINUS_SIGNS, "+"):
        raw = raw[1:]
    for symbol in _currency_symbols(currency, locale):
        if raw.startswith(symbol):
            raw = raw[len(symbol) :]
            break
        if raw.endswith(symbol):
            raw = raw[: -len(symbol)]
            break
    if raw[:1] in _MINUS_SIGNS and not negative:
        negative, raw = True, raw[1:]  # $-38.10
    if not raw or not raw[0].isdigit() or not raw[-1].isdigit():
        raise MoneyError(f"not an amount in {currency}: {_shown(text)}")
    try:
        value = parse_decimal(raw, locale=locale, strict=True)
    except NumberFormatError:
        raise MoneyError(f"not an amount in {currency}: {_shown(text)}") from None
    if not value.is_finite() or value != value.quantize(Decimal(1).scaleb(-digits)):
        places = "no decimal places" if digits == 0 else f"{digits} decimal places"
        raise MoneyError(f"{currency} has {places}: {_shown(text)}")
    minor = int(value.scaleb(digits))
    if minor == 0:
        raise MoneyError(f"amount must not be zero: {_shown(text)}")
    if minor > _STORABLE:  # a store's page is not a typo: only what a column holds limits it
        raise MoneyError(f"amount too large to store: {_shown(text)}")
    return -minor if negative else minor


@functools.lru_cache(maxsize=64)
def _currency_symbols(currency: Currency, locale: str) -> tuple[str, ...]:
    """How ``currency`` may be written beside an amount in ``locale``, longest first."""
    from babel.numbers import get_currency_symbol

    symbols = {
        currency,
        get_currency_symbol(currency, locale=locale),
        get_currency_symbol(currency, locale="en"),
    }
    if currency == "JPY":
        symbols |= {"¥", "￥", "円"}
    return tuple(sorted(symbols, key=len, reverse=True))
