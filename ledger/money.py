"""Money as integer minor units plus an ISO 4217 code; the one place that converts."""

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_currency_precision, list_currencies

from ledger.exceptions import InvalidAmount, InvalidCurrency

# Largest magnitude a BIGINT amount may take; sums of many postings must still fit.
MAX_MINOR = 10**15


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(code for code in list_currencies() if len(code) == 3 and code.isalpha())


def currency_check(code: str) -> str:
    """Return the code if it is a known ISO 4217 currency, else raise InvalidCurrency."""
    if not isinstance(code, str) or code not in _known_currencies():
        raise InvalidCurrency(f"'{code}' is not an ISO 4217 currency code.")
    return code


@lru_cache(maxsize=512)
def currency_exponent(code: str) -> int:
    """Number of decimal places of the currency's minor unit (JPY 0, EUR 2, KWD 3)."""
    return get_currency_precision(currency_check(code))


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """Convert a major-unit decimal (string or Decimal) to exact minor units.

    Raises InvalidAmount when the amount has more decimals than the currency
    allows: money is never rounded away.
    """
    exponent = currency_exponent(currency)
    if isinstance(amount, float):
        raise InvalidAmount("Amounts must be decimal strings, not floating point numbers.")
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidAmount(f"'{amount}' is not a decimal amount.") from None
    if not value.is_finite():
        raise InvalidAmount("Amounts must be finite.")
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise InvalidAmount(f"{currency} amounts have at most {exponent} decimal places; got '{amount}'.")
    minor = int(scaled)
    if abs(minor) >= MAX_MINOR:
        raise InvalidAmount("Amount is too large.")
    return minor


def to_decimal(minor: int, currency: str) -> Decimal:
    """Exact major-unit Decimal for a minor-unit integer."""
    exponent = currency_exponent(currency)
    return Decimal(minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def to_decimal_string(minor: int, currency: str) -> str:
    """Major-unit decimal string with exactly the currency's number of decimals."""
    return str(to_decimal(minor, currency))
