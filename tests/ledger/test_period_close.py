"""Closed periods: nothing may be dated inside one, and periods never overlap."""

import datetime
import uuid

import pytest

from ledger import exceptions as exc
from ledger.models import ClosedPeriod, Entry
from ledger.services import entries_post_bulk, entry_post, period_close

JAN_1, JAN_31 = datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)


def test_posting_dated_inside_a_closed_period_is_refused(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    entry_post(chart.transfer(clearing, income, 100, date=datetime.date(2026, 1, 10)))
    period_close(start_date=JAN_1, end_date=JAN_31)
    for day in (JAN_1, datetime.date(2026, 1, 15), JAN_31):
        with pytest.raises(exc.PeriodClosed):
            entry_post(chart.transfer(clearing, income, 100, date=day))
    assert Entry.objects.count() == 1


def test_posting_dated_just_outside_a_closed_period_is_accepted(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    period_close(start_date=JAN_1, end_date=JAN_31)
    entry_post(chart.transfer(clearing, income, 100, date=JAN_1 - datetime.timedelta(days=1)))
    entry_post(chart.transfer(clearing, income, 100, date=JAN_31 + datetime.timedelta(days=1)))
    assert Entry.objects.count() == 2


def test_a_bulk_post_with_one_entry_in_a_closed_period_writes_nothing(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    period_close(start_date=JAN_1, end_date=JAN_31)
    specs = [chart.transfer(clearing, income, 100) for _ in range(5)]
    specs.append(chart.transfer(clearing, income, 100, date=datetime.date(2026, 1, 20)))
    with pytest.raises(exc.PeriodClosed):
        entries_post_bulk(specs)
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (JAN_1, JAN_31),
        (datetime.date(2026, 1, 31), datetime.date(2026, 2, 28)),
        (datetime.date(2025, 12, 1), datetime.date(2026, 1, 1)),
        (datetime.date(2026, 1, 10), datetime.date(2026, 1, 11)),
        (datetime.date(2025, 1, 1), datetime.date(2026, 11, 1)),
    ],
)
def test_a_period_overlapping_a_closed_one_is_refused(chart, start, end):
    period_close(start_date=JAN_1, end_date=JAN_31)
    with pytest.raises(exc.PeriodOverlap):
        period_close(start_date=start, end_date=end)
    assert ClosedPeriod.objects.count() == 1


def test_adjacent_periods_can_both_be_closed(chart):
    period_close(start_date=JAN_1, end_date=JAN_31)
    period_close(start_date=datetime.date(2026, 2, 1), end_date=datetime.date(2026, 2, 28))
    period_close(start_date=datetime.date(2025, 12, 31), end_date=datetime.date(2025, 12, 31))
    assert ClosedPeriod.objects.count() == 3


def test_a_period_that_ends_before_it_starts_is_refused(chart):
    with pytest.raises(exc.ValidationFailed):
        period_close(start_date=JAN_31, end_date=JAN_1)
    assert not ClosedPeriod.objects.exists()


def test_closing_records_who_closed_the_period(chart, django_user_model):
    treasurer = django_user_model.objects.create_user(username="treasurer", password=str(uuid.uuid4()))
    period = period_close(start_date=JAN_1, end_date=JAN_31, closed_by_id=treasurer.pk)
    assert ClosedPeriod.objects.get(pk=period.pk).closed_by == treasurer


def test_a_period_that_has_not_ended_cannot_be_closed_by_any_caller(db):
    import datetime as _dt

    from django.utils import timezone as _tz

    from ledger.exceptions import ValidationFailed
    from ledger.models import ClosedPeriod

    today = _tz.localdate()
    with pytest.raises(ValidationFailed, match="ends after today"):
        period_close(start_date=today, end_date=today + _dt.timedelta(days=1))
    assert not ClosedPeriod.objects.exists()
