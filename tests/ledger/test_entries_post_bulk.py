"""Posting many entries in one call: all or nothing, replays and conflicts as for one."""

import uuid

import pytest

from ledger import exceptions as exc
from ledger.models import Entry, Posting
from ledger.selectors import account_balance
from ledger.services import EntrySpec, PostingSpec, entries_post_bulk, entry_post
from tests.conftest import TODAY


def test_many_entries_are_posted_in_one_call_in_the_order_given(chart):
    clearing, income, bank = (
        chart.account("stripe_clearing"),
        chart.account("donations_income"),
        chart.account("bank"),
    )
    specs = [chart.transfer(clearing, income, n) for n in range(1, 201)]
    specs.append(chart.transfer(bank, income, 50, fund=chart.relief))

    posted = entries_post_bulk(specs)

    assert len(posted) == len(specs) == Entry.objects.count()
    assert not any(p.replayed for p in posted)
    keys = dict(Entry.objects.values_list("id", "idempotency_key"))
    assert [keys[p.entry_id] for p in posted] == [s.idempotency_key for s in specs]
    assert account_balance(account_id=clearing.pk) == sum(range(1, 201))
    assert account_balance(account_id=income.pk) == -sum(range(1, 201)) - 50
    assert account_balance(account_id=bank.pk, fund_id=chart.relief.pk) == 50
    assert Posting.objects.count() == 2 * len(specs)


def test_the_same_batch_again_replays_every_entry_and_writes_nothing(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    specs = [chart.transfer(clearing, income, n) for n in range(1, 11)]
    first = entries_post_bulk(specs)
    again = entries_post_bulk(specs)
    assert [p.entry_id for p in again] == [p.entry_id for p in first]
    assert all(p.replayed for p in again)
    assert Entry.objects.count() == 10
    assert account_balance(account_id=clearing.pk) == 55


def test_a_batch_mixing_new_and_already_posted_entries_posts_only_the_new_ones(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    old = chart.transfer(clearing, income, 7)
    old_id = entry_post(old).entry_id
    new = chart.transfer(clearing, income, 11)
    posted = entries_post_bulk([new, old])
    assert posted[1].entry_id == old_id and posted[1].replayed
    assert posted[0].entry_id != old_id and not posted[0].replayed
    assert account_balance(account_id=clearing.pk) == 18


def test_a_key_reused_for_other_content_fails_the_whole_batch(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    key = uuid.uuid4()
    entry_post(chart.transfer(clearing, income, 7, key=key))
    with pytest.raises(exc.IdempotencyConflict):
        entries_post_bulk([chart.transfer(clearing, income, 1), chart.transfer(clearing, income, 8, key=key)])
    assert Entry.objects.count() == 1
    assert account_balance(account_id=clearing.pk) == 7


def test_an_entry_that_would_overdraw_a_floored_account_fails_the_whole_batch(chart):
    bank, income = chart.account("bank"), chart.account("donations_income")
    specs = [chart.transfer(bank, income, 100) for _ in range(3)]
    specs.append(chart.transfer(income, bank, 301))
    with pytest.raises(exc.InsufficientFunds):
        entries_post_bulk(specs)
    assert not Entry.objects.exists()
    assert account_balance(account_id=bank.pk) == 0


def test_an_entry_in_the_wrong_currency_fails_the_whole_batch(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    bad = EntrySpec(
        idempotency_key=uuid.uuid4(),
        postings=(
            PostingSpec(clearing.pk, chart.general.pk, "USD", 5),
            PostingSpec(chart.account("donations_income", "USD").pk, chart.general.pk, "USD", -5),
        ),
        date=TODAY,
    )
    with pytest.raises(exc.CurrencyMismatch):
        entries_post_bulk([chart.transfer(clearing, income, 1), bad])
    assert not Entry.objects.exists()


def test_an_entry_naming_an_unknown_account_fails_the_whole_batch(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    bad = EntrySpec(
        idempotency_key=uuid.uuid4(),
        postings=(
            PostingSpec(987654321, chart.general.pk, "EUR", 5),
            PostingSpec(income.pk, chart.general.pk, "EUR", -5),
        ),
        date=TODAY,
    )
    with pytest.raises(exc.UnknownReference):
        entries_post_bulk([chart.transfer(clearing, income, 1), bad])
    assert not Entry.objects.exists()


def test_an_unbalanced_entry_fails_the_whole_batch_before_the_database(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    bad = EntrySpec(
        idempotency_key=uuid.uuid4(),
        postings=(
            PostingSpec(clearing.pk, chart.general.pk, "EUR", 5),
            PostingSpec(income.pk, chart.relief.pk, "EUR", -5),
        ),
        date=TODAY,
    )
    with pytest.raises(exc.UnbalancedEntry):
        entries_post_bulk([chart.transfer(clearing, income, 1), bad])
    assert not Entry.objects.exists()


def test_the_same_key_twice_in_one_batch_is_refused(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    spec = chart.transfer(clearing, income, 1)
    with pytest.raises(exc.ValidationFailed):
        entries_post_bulk([spec, spec])
    assert not Entry.objects.exists()


def test_an_empty_batch_posts_nothing(chart):
    assert entries_post_bulk([]) == []
