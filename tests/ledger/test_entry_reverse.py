"""Reversals: the mirror image of an entry, posted once, pointing at what it reverses."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from ledger import exceptions as exc
from ledger.models import Entry, EntryKind, Posting
from ledger.selectors import account_balance
from ledger.services import (
    EntrySpec,
    PostingSpec,
    SourceRef,
    currency_convert,
    entry_post,
    entry_reverse,
    period_close,
)
from tests.conftest import TODAY


def _legs(entry_id: int) -> list[tuple[int, int, str, int]]:
    return sorted(
        Posting.objects.filter(entry_id=entry_id).values_list("account_id", "fund_id", "currency", "amount")
    )


def test_a_reversal_posts_the_mirror_image_and_points_to_the_original(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    spec = chart.transfer(clearing, income, 2500)
    spec = EntrySpec(**{**spec.__dict__, "source": SourceRef(type="contribution", id="c-17")})
    original = entry_post(spec).entry_id

    reversal = entry_reverse(entry_id=original, idempotency_key=uuid.uuid4(), date=TODAY)

    assert not reversal.replayed
    assert _legs(reversal.entry_id) == sorted((a, f, c, -amount) for a, f, c, amount in _legs(original))
    entry = Entry.objects.get(pk=reversal.entry_id)
    assert entry.kind == EntryKind.REVERSAL
    assert entry.reverses_id == original
    assert (entry.source_type, entry.source_id) == ("contribution", "c-17")
    assert Entry.objects.get(pk=original).reversed_by == entry
    assert account_balance(account_id=clearing.pk) == 0
    assert account_balance(account_id=income.pk) == 0


def test_an_entry_can_be_reversed_only_once(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    original = entry_post(chart.transfer(clearing, income, 2500)).entry_id
    entry_reverse(entry_id=original, idempotency_key=uuid.uuid4(), date=TODAY)
    with pytest.raises(exc.AlreadyReversed):
        entry_reverse(entry_id=original, idempotency_key=uuid.uuid4(), date=TODAY)
    assert Entry.objects.count() == 2
    assert account_balance(account_id=clearing.pk) == 0


def test_reversing_again_with_the_same_key_replays_the_reversal(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    original = entry_post(chart.transfer(clearing, income, 2500)).entry_id
    key = uuid.uuid4()
    first = entry_reverse(entry_id=original, idempotency_key=key, date=TODAY)
    again = entry_reverse(entry_id=original, idempotency_key=key, date=TODAY)
    assert again.replayed and again.entry_id == first.entry_id
    assert Entry.objects.count() == 2


def test_reversing_an_unknown_entry_is_not_found(chart):
    with pytest.raises(exc.EntryNotFound):
        entry_reverse(entry_id=987654321, idempotency_key=uuid.uuid4(), date=TODAY)
    assert not Entry.objects.exists()


def test_a_reversal_can_itself_be_reversed_once(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    original = entry_post(chart.transfer(clearing, income, 2500)).entry_id
    reversal = entry_reverse(entry_id=original, idempotency_key=uuid.uuid4(), date=TODAY).entry_id
    entry_reverse(entry_id=reversal, idempotency_key=uuid.uuid4(), date=TODAY)
    assert account_balance(account_id=clearing.pk) == 2500
    with pytest.raises(exc.AlreadyReversed):
        entry_reverse(entry_id=reversal, idempotency_key=uuid.uuid4(), date=TODAY)


def test_a_reversal_that_does_not_mirror_its_original_is_refused_by_the_database(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    original = entry_post(chart.transfer(clearing, income, 2500)).entry_id
    half = EntrySpec(
        idempotency_key=uuid.uuid4(),
        postings=(
            PostingSpec(income.pk, chart.general.pk, "EUR", 1250),
            PostingSpec(clearing.pk, chart.general.pk, "EUR", -1250),
        ),
        date=TODAY,
        kind=EntryKind.REVERSAL,
        reverses_id=original,
    )
    with pytest.raises(exc.UnbalancedEntry, match="does not mirror"):
        entry_post(half)
    assert Entry.objects.count() == 1


def test_a_reversal_keeps_the_exchange_rate_of_a_conversion(chart):
    eur, usd = chart.account("stripe_clearing", "EUR"), chart.account("stripe_clearing", "USD")
    converted = currency_convert(
        idempotency_key=uuid.uuid4(),
        fund_id=chart.general.pk,
        from_account_id=eur.pk,
        to_account_id=usd.pk,
        from_amount=10000,
        to_amount=10850,
        rate_source="treasurer",
        date=TODAY,
    ).entry_id
    reversal = entry_reverse(entry_id=converted, idempotency_key=uuid.uuid4(), date=TODAY).entry_id
    entry = Entry.objects.get(pk=reversal)
    assert (entry.fx_rate, entry.fx_rate_source) == (Decimal("1.085"), "treasurer")
    assert account_balance(account_id=eur.pk) == 0 and account_balance(account_id=usd.pk) == 0


def test_a_reversal_defaults_to_today_and_may_not_land_in_a_closed_period(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    today = timezone.localdate()
    closed_from, closed_to = today - datetime.timedelta(days=60), today - datetime.timedelta(days=30)
    dated = today - datetime.timedelta(days=45)
    original = entry_post(chart.transfer(clearing, income, 2500, date=dated)).entry_id
    period_close(start_date=closed_from, end_date=closed_to)
    with pytest.raises(exc.PeriodClosed):
        entry_reverse(entry_id=original, idempotency_key=uuid.uuid4(), date=closed_to)
    reversal = entry_reverse(entry_id=original, idempotency_key=uuid.uuid4())
    assert Entry.objects.get(pk=reversal.entry_id).date == today
