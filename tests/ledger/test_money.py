"""Minor-unit conversion is exact in both directions and never rounds money away."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.exceptions import InvalidAmount, InvalidCurrency, ValidationFailed
from ledger.money import MAX_MINOR, currency_check, currency_exponent, to_decimal, to_decimal_string, to_minor

EXPONENTS = {"JPY": 0, "EUR": 2, "KWD": 3}
minor_units = st.integers(min_value=-(MAX_MINOR - 1), max_value=MAX_MINOR - 1)


@pytest.mark.parametrize(("currency", "exponent"), EXPONENTS.items())
def test_the_exponent_comes_from_the_currency_standard(currency, exponent):
    assert currency_exponent(currency) == exponent


@pytest.mark.parametrize("currency", EXPONENTS)
@given(minor=minor_units)
def test_minor_units_round_trip_through_the_decimal_string(currency, minor):
    text = to_decimal_string(minor, currency)
    assert to_minor(text, currency) == minor
    assert to_minor(Decimal(text), currency) == minor
    decimals = len(text.partition(".")[2])
    assert decimals == EXPONENTS[currency]


@pytest.mark.parametrize("currency", EXPONENTS)
@given(data=st.data())
def test_a_decimal_string_with_the_currency_s_decimals_round_trips_exactly(currency, data):
    exponent = EXPONENTS[currency]
    limit = Decimal(MAX_MINOR - 1).scaleb(-exponent)
    amount = data.draw(st.decimals(min_value=-limit, max_value=limit, places=exponent))
    text = f"{amount.copy_abs() if amount == 0 else amount:.{exponent}f}"
    assert to_decimal_string(to_minor(text, currency), currency) == text
    assert to_decimal(to_minor(text, currency), currency) == amount


@pytest.mark.parametrize("currency", EXPONENTS)
@given(minor=minor_units, extra=st.integers(min_value=1, max_value=9))
def test_an_amount_with_more_decimals_than_the_currency_allows_is_refused(currency, minor, extra):
    exponent = EXPONENTS[currency]
    text = f"{to_decimal(minor, currency)}" + ("" if exponent else ".") + "0" * (extra - 1) + str(extra)
    # e.g. EUR "12.34" + "001": one more significant decimal than cents.
    with pytest.raises(InvalidAmount):
        to_minor(text, currency)


@pytest.mark.parametrize(("amount", "currency"), [("0.5", "JPY"), ("1.001", "EUR"), ("0.0001", "KWD")])
def test_sub_minor_unit_amounts_are_refused_not_rounded(amount, currency):
    with pytest.raises(InvalidAmount):
        to_minor(amount, currency)


def test_trailing_zeros_beyond_the_exponent_are_exact_and_accepted():
    assert to_minor("12.3400", "EUR") == 1234
    assert to_minor("7.0", "JPY") == 7


@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_floats_are_refused(value):
    with pytest.raises(InvalidAmount):
        to_minor(value, "EUR")


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1e", "abc", "", "1,00", None])
def test_what_is_not_a_finite_decimal_is_refused(amount):
    with pytest.raises(InvalidAmount):
        to_minor(amount, "EUR")


def test_amounts_beyond_the_bigint_budget_are_refused():
    assert to_minor(str(MAX_MINOR - 1), "JPY") == MAX_MINOR - 1
    with pytest.raises(InvalidAmount):
        to_minor(str(MAX_MINOR), "JPY")
    with pytest.raises(InvalidAmount):
        to_minor("-10000000000000.00", "EUR")


@pytest.mark.parametrize("code", ["XYZ", "eur", "EURO", "", "E1R", None, 978])
def test_unknown_currencies_are_refused(code):
    with pytest.raises(InvalidCurrency):
        currency_check(code)
    with pytest.raises(InvalidCurrency):
        to_minor("1", code)
    with pytest.raises(InvalidCurrency):
        to_decimal_string(1, code)


def test_an_unknown_currency_is_a_validation_error_with_a_stable_code():
    with pytest.raises(ValidationFailed) as info:
        currency_check("XYZ")
    assert info.value.code == "invalid_currency"
