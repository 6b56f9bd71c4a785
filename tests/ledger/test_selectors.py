"""Reads: trial balance, account statements with running balances, fund balances."""

import datetime
import uuid
from collections import defaultdict

from django.db import connection

from ledger.models import Account
from ledger.selectors import account_balance, account_statement, fund_balances, trial_balance
from ledger.services import currency_convert, entry_post
from tests.ledger.rawsql import execute, rejected

NUMERIC_VALUE_OUT_OF_RANGE = "22003"

D1, D2, D3, D4 = (datetime.date(2026, 3, d) for d in (1, 2, 3, 4))


def _books(chart):
    """Donations in two funds, a fee, a grant approved and paid, a conversion."""
    acc = {
        role: chart.account(role)
        for role in ("bank", "stripe_clearing", "donations_income", "processing_fees", "grants_expense")
    }
    acc["grants_payable"] = chart.account("grants_payable")
    entry_post(chart.transfer(acc["stripe_clearing"], acc["donations_income"], 10000, date=D1))
    entry_post(chart.transfer(acc["processing_fees"], acc["stripe_clearing"], 320, date=D1))
    entry_post(chart.transfer(acc["bank"], acc["donations_income"], 5000, fund=chart.relief, date=D2))
    entry_post(chart.transfer(acc["grants_expense"], acc["grants_payable"], 3000, fund=chart.relief, date=D3))
    entry_post(chart.transfer(acc["grants_payable"], acc["bank"], 3000, fund=chart.relief, date=D4))
    currency_convert(
        idempotency_key=uuid.uuid4(),
        fund_id=chart.general.pk,
        from_account_id=acc["stripe_clearing"].pk,
        to_account_id=chart.account("stripe_clearing", "USD").pk,
        from_amount=1000,
        to_amount=1080,
        rate_source="stripe",
        date=D4,
    )
    return acc


def test_the_trial_balance_lists_every_account_and_balances_per_currency(chart):
    _books(chart)
    rows = trial_balance()
    assert len(rows) == Account.objects.count()
    assert [r.code for r in rows] == sorted(r.code for r in rows)
    debits: dict[str, int] = defaultdict(int)
    credits: dict[str, int] = defaultdict(int)
    for row in rows:
        debits[row.currency] += row.debit
        credits[row.currency] += row.credit
        assert row.debit - row.credit == row.balance and min(row.debit, row.credit) == 0
    assert debits == credits
    by_code = {r.code: r for r in rows}
    assert by_code["4000-EUR"].credit == 15000
    assert by_code["1010-EUR"].debit == 10000 - 320 - 1000
    assert by_code["1010-USD"].debit == 1080
    assert by_code["3900-USD"].credit == 1080 and by_code["3900-EUR"].debit == 1000
    assert by_code["1020-JPY"].balance == 0


def test_a_trial_balance_row_reads_by_name_and_as_a_tuple(chart):
    _books(chart)
    row = next(r for r in trial_balance() if r.code == "4000-EUR")
    account = Account.objects.get(code="4000-EUR")
    assert tuple(row) == (account.pk, "4000-EUR", account.name, "income", "EUR", -15000)
    assert (row.account_id, row.name, row.type, row.currency) == (account.pk, account.name, "income", "EUR")
    assert (row.debit, row.credit) == (0, 15000)
    assert repr(row).startswith(f"TrialBalanceRow(account_id={account.pk}, code='4000-EUR'")


def test_the_ledger_sum_stays_exact_and_refuses_to_overflow(db):
    big = 2**63 - 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ledger_sum(x), pg_typeof(ledger_sum(x))::text FROM unnest(%s::bigint[]) x",
            [[big, -big, 7]],
        )
        assert cursor.fetchone() == (7, "bigint")
        cursor.execute("SELECT ledger_sum(x) FROM unnest('{}'::bigint[]) x")
        assert cursor.fetchone() == (None,)
    with rejected(NUMERIC_VALUE_OUT_OF_RANGE, match="bigint out of range"):
        execute("SELECT ledger_sum(x) FROM unnest(%s::bigint[]) x", [[big, 1]])


def test_the_trial_balance_of_one_fund_covers_only_that_fund(chart):
    _books(chart)
    relief = {r.code: r.balance for r in trial_balance(fund_id=chart.relief.pk) if r.balance}
    assert relief == {"1020-EUR": 2000, "4000-EUR": -5000, "5100-EUR": 3000}
    general = {r.code: r.balance for r in trial_balance(fund_id=chart.general.pk) if r.balance}
    assert general["4000-EUR"] == -10000 and "5100-EUR" not in general


def test_an_account_statement_has_an_opening_balance_and_a_running_balance(chart):
    acc = _books(chart)
    statement = account_statement(account_id=acc["stripe_clearing"].pk, date_from=D2)
    assert statement.currency == "EUR"
    assert statement.opening_balance == 10000 - 320
    assert [(line.date, line.amount, line.running_balance) for line in statement.lines] == [
        (D4, -1000, 8680),
    ]
    assert statement.closing_balance == 8680 == account_balance(account_id=acc["stripe_clearing"].pk)

    full = account_statement(account_id=acc["stripe_clearing"].pk)
    assert full.opening_balance == 0
    assert [line.running_balance for line in full.lines] == [10000, 9680, 8680]
    assert [line.kind for line in full.lines] == ["manual", "manual", "fx_conversion"]


def test_an_account_statement_can_be_limited_to_a_date_range_and_a_fund(chart):
    acc = _books(chart)
    bank = acc["bank"].pk
    window = account_statement(account_id=bank, date_from=D3, date_to=D3)
    assert window.opening_balance == 5000 and window.lines == [] and window.closing_balance == 5000
    relief = account_statement(account_id=bank, fund_id=chart.relief.pk, date_to=D4)
    assert [(line.amount, line.running_balance) for line in relief.lines] == [(5000, 5000), (-3000, 2000)]
    assert account_statement(account_id=bank, fund_id=chart.general.pk).lines == []


def test_an_account_statement_orders_same_day_postings_by_entry(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    entry_post(chart.transfer(clearing, income, 5, date=D2))
    entry_post(chart.transfer(clearing, income, 7, date=D1))
    entry_post(chart.transfer(income, clearing, 2, date=D2))
    statement = account_statement(account_id=clearing.pk)
    assert [line.amount for line in statement.lines] == [7, 5, -2]
    assert [line.running_balance for line in statement.lines] == [7, 12, 10]
    limited = account_statement(account_id=clearing.pk, limit=2)
    assert len(limited.lines) == 2 and limited.closing_balance == 12


def test_fund_balances_show_what_each_fund_holds_per_currency(chart):
    _books(chart)
    rows = {(r.fund_code, r.currency): r for r in fund_balances()}
    relief = rows[("relief", "EUR")]
    assert (relief.assets, relief.liabilities, relief.income, relief.expenses) == (2000, 0, 5000, 3000)
    assert relief.net_assets == 2000
    general = rows[("general", "EUR")]
    assert (general.assets, general.income, general.expenses) == (8680, 10000, 320)
    assert rows[("general", "USD")].assets == 1080
    assert ("relief", "USD") not in rows


def test_account_balance_is_read_per_fund_or_across_funds(chart):
    acc = _books(chart)
    income = acc["donations_income"].pk
    assert account_balance(account_id=income) == -15000
    assert account_balance(account_id=income, fund_id=chart.relief.pk) == -5000
    assert account_balance(account_id=income, fund_id=chart.general.pk) == -10000
    assert account_balance(account_id=chart.account("bank", "GBP").pk) == 0
