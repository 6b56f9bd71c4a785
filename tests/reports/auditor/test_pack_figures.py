"""The pack's figures are the ledger's own: trial balance, fund balances, statements and entries agree."""

import datetime
import uuid
from collections import defaultdict

from ledger.api import EntryKind, entry_post, entry_reverse, fund_balances, trial_balance
from ledger.selectors import account_statement, entry_get
from reports.auditor.selectors import auditor_pack_read
from tests.conftest import TODAY

from .conftest import BEFORE_PERIOD


def test_the_trial_balance_at_the_end_of_the_period_is_the_ledgers_current_one(books):
    pack = auditor_pack_read(date_from=books.period_from, date_to=books.period_to)
    ledger_rows = {(row.code, row.currency): row.balance for row in trial_balance() if row.balance}
    assert {
        (line.account.code, line.account.currency): line.balance for line in pack.trial_balance
    } == ledger_rows


def test_the_trial_balance_of_one_fund_is_the_ledgers_for_that_fund(books):
    fund = books.chart.relief
    pack = auditor_pack_read(date_from=books.period_from, date_to=books.period_to, fund_id=fund.pk)
    ledger_rows = {
        (row.code, row.currency): row.balance for row in trial_balance(fund_id=fund.pk) if row.balance
    }
    assert {
        (line.account.code, line.account.currency): line.balance for line in pack.trial_balance
    } == ledger_rows
    assert pack.fund.code == "relief"


def test_the_trial_balance_sums_to_zero_in_every_currency(books):
    pack = auditor_pack_read(date_from=books.period_from, date_to=books.period_to)
    assert {totals.currency for totals in pack.trial_balance_totals} == {"EUR", "USD", "JPY"}
    for totals in pack.trial_balance_totals:
        assert totals.debit == totals.credit > 0


def test_an_earlier_trial_balance_leaves_out_what_was_posted_after_its_day(books):
    pack = auditor_pack_read(date_from=BEFORE_PERIOD, date_to=BEFORE_PERIOD)
    bank = books.chart.account("bank")
    statement = account_statement(account_id=bank.pk, date_to=BEFORE_PERIOD)
    assert {line.account.code: line.balance for line in pack.trial_balance} == {
        bank.code: statement.closing_balance,
        books.chart.account("donations_income").code: -statement.closing_balance,
    }


def test_the_financial_position_is_the_ledgers_fund_balances(books):
    pack = auditor_pack_read(date_from=books.period_from, date_to=books.period_to)
    assert {
        (p.fund.id, p.currency): (p.total_assets, p.total_liabilities, p.net_assets) for p in pack.position
    } == {
        (row.fund_id, row.currency): (row.assets, row.liabilities, row.net_assets)
        for row in fund_balances()
        if row.assets or row.liabilities
    }
    relief = next(p for p in pack.position if p.fund.code == "relief")
    assert relief.total_liabilities == 40_000  # the approved grant, payable


def test_the_activities_are_each_accounts_movement_over_the_period(books):
    pack = auditor_pack_read(date_from=books.period_from, date_to=books.period_to)
    for block in pack.activities:
        for sign, lines in ((-1, block.income), (1, block.expenses), (-1, block.other)):
            for line in lines:
                statement = account_statement(
                    account_id=line.account.id,
                    date_from=books.period_from,
                    date_to=books.period_to,
                    fund_id=block.fund.id,
                )
                assert line.amount == sign * (statement.closing_balance - statement.opening_balance)
    general_eur = next(b for b in pack.activities if b.fund.code == "general" and b.currency == "EUR")
    assert general_eur.total_income == 0  # the EUR gift to the general fund came before the period
    assert general_eur.total_expenses == 150
    relief = next(b for b in pack.activities if b.fund.code == "relief")
    assert (relief.total_income, relief.total_expenses) == (300_000, 40_000)


def test_the_change_in_net_assets_joins_the_two_positions(books):
    before = auditor_pack_read(
        date_from=BEFORE_PERIOD, date_to=books.period_from - datetime.timedelta(days=1)
    )
    after = auditor_pack_read(date_from=books.period_from, date_to=books.period_to)
    net = defaultdict(int)
    for p in after.position:
        net[(p.fund.code, p.currency)] += p.net_assets
    for p in before.position:
        net[(p.fund.code, p.currency)] -= p.net_assets
    assert {key: value for key, value in net.items() if value} == {
        (a.fund.code, a.currency): a.change_in_net_assets for a in after.activities if a.change_in_net_assets
    }


def test_the_journal_holds_the_periods_entries_with_their_postings_and_no_memo(books):
    pack = auditor_pack_read(date_from=books.period_from, date_to=books.period_to)
    assert all(books.period_from <= entry.date <= books.period_to for entry in pack.journal)
    # The USD gift, the fee, the JPY gift, the relief fund's money and the grant; not October's gift.
    assert len(pack.journal) == 5
    grant = next(entry for entry in pack.journal if entry.kind == EntryKind.GRANT)
    assert (grant.source_type, grant.source_id) == ("grant_request", books.grant_reference)
    for entry in pack.journal:
        detail = entry_get(entry_id=entry.id)
        assert [(p.account.id, p.fund.id, p.currency, p.amount) for p in entry.postings] == [
            (p.account_id, p.fund_id, p.currency, p.amount) for p in detail.postings
        ]
        assert not hasattr(entry, "memo")


def test_one_funds_journal_shows_its_postings_only(books):
    fund = books.chart.relief
    pack = auditor_pack_read(date_from=books.period_from, date_to=books.period_to, fund_id=fund.pk)
    assert pack.journal
    for entry in pack.journal:
        assert {posting.fund.id for posting in entry.postings} == {fund.pk}
        assert sum(p.amount for p in entry.postings) == 0


def test_a_reversal_in_the_period_undoes_its_entry_in_the_statements_but_both_stay_in_the_journal(
    books, chart
):
    posted = entry_post(chart.transfer(chart.account("bank"), chart.account("donations_income"), 700))
    reversal = entry_reverse(entry_id=posted.entry_id, idempotency_key=uuid.uuid4(), date=TODAY)
    pack = auditor_pack_read(date_from=books.period_from, date_to=books.period_to)
    general_eur = next(b for b in pack.activities if b.fund.code == "general" and b.currency == "EUR")
    assert general_eur.total_income == 0
    journal = {entry.id: entry for entry in pack.journal}
    assert journal[reversal.entry_id].reverses_id == posted.entry_id
    assert journal[reversal.entry_id].kind == EntryKind.REVERSAL


def test_the_general_ledger_runs_each_account_from_its_opening_to_the_trial_balance(books):
    pack = auditor_pack_read(date_from=books.period_from, date_to=books.period_to)
    before = auditor_pack_read(
        date_from=BEFORE_PERIOD, date_to=books.period_from - datetime.timedelta(days=1)
    )
    opening = {(line.account.code, line.account.currency): line.balance for line in before.trial_balance}
    closing = {(line.account.code, line.account.currency): line.balance for line in pack.trial_balance}
    pages = {(page.account.code, page.account.currency): page for page in pack.general_ledger}
    assert {key for key, page in pages.items() if page.closing} == set(closing)
    for key, page in pages.items():
        assert page.opening == opening.get(key, 0), key
        assert page.closing == closing.get(key, 0), key
        running = page.opening
        for line in page.lines:
            running += line.amount
            assert line.balance == running
            assert books.period_from <= line.date <= books.period_to
    # Every posting of the journal is on exactly one account's page.
    journal = sorted((entry.id, p.account.id, p.amount) for entry in pack.journal for p in entry.postings)
    ledger = sorted(
        (line.entry_id, page.account.id, line.amount) for page in pack.general_ledger for line in page.lines
    )
    assert journal == ledger
    bank = pages[(books.chart.account("bank").code, "EUR")]
    assert bank.opening == 10_000  # the gift before the period
