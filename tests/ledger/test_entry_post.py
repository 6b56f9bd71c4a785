"""Posting entries through the service: balances, idempotency, validation."""

import dataclasses
import datetime
import uuid
from contextlib import nullcontext

import pytest
from django.db import connection, transaction

from ledger import exceptions as exc
from ledger.models import Entry, Posting
from ledger.selectors import account_balance
from ledger.services import EntrySpec, PostingSpec, SourceRef, entry_post
from tests.conftest import TODAY


def test_a_balanced_entry_moves_both_balances(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    posted = entry_post(chart.transfer(clearing, income, 2500))
    assert not posted.replayed
    assert account_balance(account_id=clearing.pk) == 2500
    assert account_balance(account_id=income.pk) == -2500
    assert Posting.objects.filter(entry_id=posted.entry_id).count() == 2


def test_the_same_key_and_request_replays_the_first_entry_and_writes_nothing(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    spec = chart.transfer(clearing, income, 2500)
    first = entry_post(spec)
    again = entry_post(spec)
    assert again.entry_id == first.entry_id and again.replayed
    assert Entry.objects.count() == 1
    assert account_balance(account_id=clearing.pk) == 2500


def test_the_same_key_with_other_content_is_a_conflict(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    key = uuid.uuid4()
    entry_post(chart.transfer(clearing, income, 2500, key=key))
    with pytest.raises(exc.IdempotencyConflict):
        entry_post(chart.transfer(clearing, income, 2600, key=key))
    assert Entry.objects.count() == 1


def test_an_unbalanced_entry_is_refused_before_it_reaches_the_database(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    spec = EntrySpec(
        idempotency_key=uuid.uuid4(),
        postings=(
            PostingSpec(clearing.pk, chart.general.pk, "EUR", 100),
            PostingSpec(income.pk, chart.general.pk, "EUR", -99),
        ),
        date=chart.transfer(clearing, income, 1).date,
    )
    fund = chart.general.pk
    with pytest.raises(exc.UnbalancedEntry, match=rf"EUR for fund {fund} sum to 0\.01 EUR, not zero"):
        entry_post(spec)
    assert Entry.objects.count() == 0


def test_a_posting_in_another_currency_than_its_account_is_refused(chart):
    clearing_eur, income_usd = chart.account("stripe_clearing"), chart.account("donations_income", "USD")
    spec = EntrySpec(
        idempotency_key=uuid.uuid4(),
        postings=(
            PostingSpec(clearing_eur.pk, chart.general.pk, "USD", 100),
            PostingSpec(income_usd.pk, chart.general.pk, "USD", -100),
        ),
        date=chart.transfer(clearing_eur, income_usd, 1).date,
    )
    with pytest.raises(exc.CurrencyMismatch):
        entry_post(spec)
    assert Entry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_posting_goes_on_after_the_connection_is_closed_and_reopened(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    entry_post(chart.transfer(clearing, income, 100))
    connection.close()  # as Django does at the end of a request or when it finds it unusable
    entry_post(chart.transfer(clearing, income, 20))
    assert account_balance(account_id=clearing.pk) == 120


def test_a_refused_entry_leaves_the_next_posting_on_the_same_connection_working(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    key = uuid.uuid4()
    entry_post(chart.transfer(clearing, income, 5, key=key))
    with pytest.raises(exc.IdempotencyConflict):
        entry_post(chart.transfer(clearing, income, 6, key=key))
    entry_post(chart.transfer(clearing, income, 7))
    assert account_balance(account_id=clearing.pk) == 12


@pytest.mark.django_db(transaction=True)
def test_an_entry_posted_in_a_transaction_that_rolls_back_is_gone(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    connection.close()  # the transaction below is the new connection's first statement
    with pytest.raises(RuntimeError, match="caller fails"), transaction.atomic():
        entry_post(chart.transfer(clearing, income, 100))
        raise RuntimeError("the caller fails after posting")
    assert Entry.objects.count() == 0
    assert account_balance(account_id=clearing.pk) == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("in_transaction", [False, True], ids=["on its own", "in a transaction"])
def test_posting_goes_on_after_the_server_forgets_its_prepared_statements(chart, in_transaction):
    """psycopg sends DEALLOCATE ALL after a ROLLBACK or DDL: entry_post prepares again, posts once."""
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    entry_post(chart.transfer(clearing, income, 100))
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with transaction.atomic() if in_transaction else nullcontext():
        entry_post(chart.transfer(clearing, income, 20))
        entry_post(chart.transfer(clearing, income, 3))
    assert Entry.objects.count() == 3
    assert account_balance(account_id=clearing.pk) == 123


@pytest.mark.django_db(transaction=True)
def test_each_prepared_statement_is_prepared_again_only_when_the_server_lost_it(chart):
    """The usual and the full statement, lost together, come back one at a time."""
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")

    def usual(amount):
        entry_post(chart.transfer(clearing, income, amount))

    def full(amount):
        entry_post(dataclasses.replace(chart.transfer(clearing, income, amount), memo="with a memo"))

    usual(1)
    full(2)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    usual(4)  # prepared again
    full(8)  # prepared again, while the usual one stays
    usual(16)
    assert account_balance(account_id=clearing.pk) == 31


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("in_transaction", [False, True], ids=["on its own", "in a transaction"])
def test_a_statement_the_server_already_has_is_taken_as_prepared(chart, in_transaction):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    connection.close()
    with connection.cursor() as cursor:  # a new session, where entry_post has prepared nothing
        cursor.execute(
            "PREPARE ledger_post_entry_basic (uuid, bytea, date, text, jsonb) AS "
            "SELECT entry_id, replayed FROM ledger_post_entry($1, $2, $3, $4, $5)"
        )
    with transaction.atomic() if in_transaction else nullcontext():
        entry_post(chart.transfer(clearing, income, 5))
        entry_post(chart.transfer(clearing, income, 6))
    assert Entry.objects.count() == 2
    assert account_balance(account_id=clearing.pk) == 11


def test_a_leg_in_another_currency_than_its_account_is_a_currency_mismatch_not_an_unbalanced_entry(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    spec = EntrySpec(
        idempotency_key=uuid.uuid4(),
        postings=(
            PostingSpec(clearing.pk, chart.general.pk, "USD", 100),
            PostingSpec(income.pk, chart.general.pk, "EUR", -100),
        ),
        date=TODAY,
    )
    with pytest.raises(exc.CurrencyMismatch, match=f"Account {clearing.pk} is kept in EUR, not USD"):
        entry_post(spec)
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("memo", "refund \u202egnp.exe"), ("source", SourceRef("payout", "p\u200b1"))],
)
def test_a_service_caller_cannot_write_invisible_characters_into_the_books(chart, field, value):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    spec = dataclasses.replace(chart.transfer(clearing, income, 100), **{field: value})
    with pytest.raises(exc.InvisibleCharacters):
        entry_post(spec)


def test_a_service_caller_cannot_date_an_entry_outside_the_ledger_s_range(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    with pytest.raises(exc.DateOutOfRange):
        entry_post(chart.transfer(clearing, income, 100, date=datetime.date(1999, 12, 31)))
    with pytest.raises(exc.DateOutOfRange):
        entry_post(chart.transfer(clearing, income, 100, date=datetime.date(9999, 12, 31)))
