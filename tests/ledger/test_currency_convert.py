"""Currency conversion through trading accounts: each currency balances, the rate is kept."""

import uuid
from collections import defaultdict
from decimal import Decimal

import pytest

from ledger import exceptions as exc
from ledger.models import Entry, EntryKind, Posting
from ledger.selectors import account_balance
from ledger.services import SourceRef, currency_convert, entry_post
from tests.conftest import TODAY


def _convert(chart, src, dst, from_amount, to_amount, **extra):
    return currency_convert(
        idempotency_key=uuid.uuid4(),
        fund_id=extra.pop("fund_id", chart.general.pk),
        from_account_id=src.pk,
        to_account_id=dst.pk,
        from_amount=from_amount,
        to_amount=to_amount,
        rate_source=extra.pop("rate_source", "treasurer"),
        date=TODAY,
        **extra,
    )


def test_a_conversion_goes_through_each_currency_s_trading_account(chart):
    bank_eur, bank_usd = chart.account("bank", "EUR"), chart.account("bank", "USD")
    entry_post(chart.transfer(bank_eur, chart.account("donations_income", "EUR"), 10000))

    posted = _convert(chart, bank_eur, bank_usd, 10000, 10850)

    legs = set(
        Posting.objects.filter(entry_id=posted.entry_id).values_list("account__code", "currency", "amount")
    )
    assert legs == {
        ("1020-EUR", "EUR", -10000),
        ("3900-EUR", "EUR", 10000),
        ("3900-USD", "USD", -10850),
        ("1020-USD", "USD", 10850),
    }
    sums: dict[str, int] = defaultdict(int)
    for _code, currency, amount in legs:
        sums[currency] += amount
    assert sums == {"EUR": 0, "USD": 0}
    assert account_balance(account_id=bank_eur.pk) == 0
    assert account_balance(account_id=bank_usd.pk) == 10850


def test_the_rate_and_its_source_are_stored_on_the_entry(chart):
    clearing_eur, clearing_usd = (
        chart.account("stripe_clearing", "EUR"),
        chart.account("stripe_clearing", "USD"),
    )
    posted = _convert(
        chart,
        clearing_usd,
        clearing_eur,
        10850,
        10000,
        rate=Decimal("0.921658986175"),
        rate_source="stripe",
        source=SourceRef(type="stripe_balance_transaction", id="txn_123"),
    )
    entry = Entry.objects.get(pk=posted.entry_id)
    assert entry.kind == EntryKind.FX_CONVERSION
    assert (entry.fx_rate, entry.fx_rate_source) == (Decimal("0.921658986175"), "stripe")
    assert (entry.source_type, entry.source_id) == ("stripe_balance_transaction", "txn_123")


@pytest.mark.parametrize(
    ("src", "dst", "from_amount", "to_amount", "rate"),
    [
        ("EUR", "JPY", 10000, 16000, Decimal("160")),  # 100.00 EUR -> 16000 JPY
        ("JPY", "KWD", 16000, 31500, Decimal("0.0019687500")),  # 16000 JPY -> 31.500 KWD
        ("KWD", "EUR", 1000, 298, Decimal("2.98")),  # 1.000 KWD -> 2.98 EUR
    ],
)
def test_the_implied_rate_is_in_major_units_across_exponents(chart, src, dst, from_amount, to_amount, rate):
    posted = _convert(
        chart,
        chart.account("stripe_clearing", src),
        chart.account("stripe_clearing", dst),
        from_amount,
        to_amount,
    )
    assert Entry.objects.get(pk=posted.entry_id).fx_rate == rate


def test_trading_accounts_show_the_gain_of_a_round_trip_at_different_rates(chart):
    eur, usd = chart.account("stripe_clearing", "EUR"), chart.account("stripe_clearing", "USD")
    entry_post(chart.transfer(eur, chart.account("donations_income", "EUR"), 10000))
    _convert(chart, eur, usd, 10000, 11000)
    _convert(chart, usd, eur, 11000, 10500)
    assert account_balance(account_id=eur.pk) == 10500
    assert account_balance(account_id=usd.pk) == 0
    # EUR trading: +10000 out, -10500 back: a 5.00 EUR gain shows as a credit.
    assert account_balance(account_id=chart.account("fx_trading", "EUR").pk) == -500
    assert account_balance(account_id=chart.account("fx_trading", "USD").pk) == 0


def test_a_conversion_in_a_restricted_fund_stays_in_that_fund(chart):
    eur, usd = chart.account("stripe_clearing", "EUR"), chart.account("stripe_clearing", "USD")
    posted = _convert(chart, eur, usd, 500, 540, fund_id=chart.relief.pk)
    assert set(Posting.objects.filter(entry_id=posted.entry_id).values_list("fund_id", flat=True)) == {
        chart.relief.pk
    }


def test_a_conversion_cannot_overdraw_a_floored_account(chart):
    with pytest.raises(exc.InsufficientFunds):
        _convert(chart, chart.account("bank", "EUR"), chart.account("bank", "USD"), 1, 1)
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"from_amount": 0}, exc.InvalidAmount),
        ({"to_amount": -1}, exc.InvalidAmount),
        ({"same_currency": True}, exc.ValidationFailed),
        ({"rate_source": ""}, exc.ValidationFailed),
        ({"rate": Decimal(0)}, exc.ValidationFailed),
        ({"unknown_account": True}, exc.UnknownReference),
    ],
)
def test_an_invalid_conversion_writes_nothing(chart, change, error):
    src, dst = chart.account("stripe_clearing", "EUR"), chart.account("stripe_clearing", "USD")
    arguments = {
        "idempotency_key": uuid.uuid4(),
        "fund_id": chart.general.pk,
        "from_account_id": src.pk,
        "to_account_id": dst.pk,
        "from_amount": 100,
        "to_amount": 108,
        "rate_source": "treasurer",
        "date": TODAY,
    }
    change = dict(change)
    if change.pop("same_currency", False):
        change["to_account_id"] = chart.account("bank", "EUR").pk
    if change.pop("unknown_account", False):
        change["to_account_id"] = 987654321
    with pytest.raises(error):
        currency_convert(**{**arguments, **change})
    assert not Entry.objects.exists()
