"""The default chart of accounts: made in one step per run, safe to run again, refused whole on a clash."""

import pytest

from ledger.exceptions import LedgerError
from ledger.models import Account, Fund
from ledger.services import account_create, chart_of_accounts_create
from ledger.services.chart import DEFAULT_CHART

pytestmark = pytest.mark.django_db


def test_the_chart_has_every_default_role_in_every_currency_asked_for():
    accounts = chart_of_accounts_create(currencies=["EUR", "JPY"])

    assert [(a.currency, a.role) for a in accounts] == [
        (currency, role) for currency in ("EUR", "JPY") for role, *_ in DEFAULT_CHART
    ]
    assert all(a.pk for a in accounts)
    bank = Account.objects.get(role="bank", currency="JPY")
    assert (bank.code, bank.name, bank.type, bank.floor) == ("1020-JPY", "Bank (JPY)", "asset", 0)
    assert Fund.objects.filter(code="general", restricted=False).count() == 1


def test_running_it_again_keeps_the_accounts_and_adds_only_new_currencies():
    first = chart_of_accounts_create(currencies=["EUR"])
    again = chart_of_accounts_create(currencies=["EUR", "USD"])

    assert [a.pk for a in again[: len(first)]] == [a.pk for a in first]
    assert Account.objects.count() == 2 * len(DEFAULT_CHART)
    assert Fund.objects.filter(code="general").count() == 1


def test_an_unknown_currency_creates_nothing():
    with pytest.raises(LedgerError):
        chart_of_accounts_create(currencies=["EUR", "XYZ"])

    assert not Account.objects.exists()
    assert not Fund.objects.exists()


def test_an_account_holding_a_default_code_is_a_clear_error_and_creates_nothing():
    account_create(code="1020-EUR", name="Petty cash", type="asset", currency="EUR")

    with pytest.raises(LedgerError, match="one of its codes or roles exists already"):
        chart_of_accounts_create(currencies=["EUR"])

    assert list(Account.objects.values_list("code", flat=True)) == ["1020-EUR"]
