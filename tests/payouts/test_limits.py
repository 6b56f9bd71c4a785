"""Daily payout limits: the organisation's per currency (a setting) and a fund's (set by admins).

What a stolen treasurer login, or two, can send in a day is bounded; money that
came back (a failed payout) does not count against the day.
"""

import datetime
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from grants import services as grant_services
from ledger.models import Entry, EntryKind
from ledger.services import entry_post, ledger_seal
from ledger.verification import ledger_verify
from payouts import exceptions, services
from payouts.models import Disbursement, FundPayoutLimit
from tests.payouts.conftest import PAYOUTS, bank, client_as, post
from tests.payouts.test_concurrency import _race
from tests.payouts.test_rules import _propose as _proposed
from tests.payouts.test_rules import _send


def test_the_organisations_daily_limit_refuses_the_payout_that_would_pass_it_and_writes_nothing(
    approved, treasurers, relief, settings
):
    settings.PAYOUTS_DAILY_LIMIT = {"EUR": 50_000}
    first, second = (_proposed(approved(amount=30_000), treasurers[0]) for _ in range(2))
    client = client_as(treasurers[0])
    assert post(client, f"{PAYOUTS}{first.reference}/send/", {"rail_reference": "TX-1"}).status_code == 201
    entries, money = Entry.objects.count(), bank(relief)

    refused = post(client, f"{PAYOUTS}{second.reference}/send/", {"rail_reference": "TX-2"})

    assert (refused.status_code, refused.json()["code"]) == (409, "payout_limit_reached")
    assert refused.json()["detail"] == (
        "The organisation's payouts in EUR today would reach 600.00, above its daily limit of "
        "500.00; 200.00 is left today."
    )
    assert (Entry.objects.count(), bank(relief)) == (entries, money)
    assert Disbursement.objects.get(pk=second.pk).status == "approved"


def test_money_that_came_back_does_not_count_against_the_day(approved, treasurers, settings):
    settings.PAYOUTS_DAILY_LIMIT = {"EUR": 50_000}
    first, second = (_proposed(approved(amount=30_000), treasurers[0]) for _ in range(2))
    _send(first, treasurers[0])
    with pytest.raises(exceptions.PayoutLimitReached):
        _send(second, treasurers[0])
    services.disbursement_fail(
        reference=first.reference, failed_by=treasurers[0], reason="returned", idempotency_key=uuid.uuid4()
    )
    sent, _new = _send(second, treasurers[0])
    assert sent.status == "sent"


def test_yesterdays_payouts_do_not_count_today(approved, treasurers, settings):
    settings.PAYOUTS_DAILY_LIMIT = {"EUR": 50_000}
    first, second = (_proposed(approved(amount=30_000), treasurers[0]) for _ in range(2))
    _send(first, treasurers[0])
    yesterday = timezone.now() - datetime.timedelta(days=1)
    Disbursement.objects.filter(pk=first.pk).update(sent_at=yesterday)
    sent, _new = _send(second, treasurers[0])
    assert sent.status == "sent"


def test_a_currency_the_setting_does_not_list_has_no_organisation_wide_limit(approved, treasurers, settings):
    settings.PAYOUTS_DAILY_LIMIT = {"USD": 1}
    for _ in range(2):
        sent, _new = _send(_proposed(approved(amount=30_000), treasurers[0]), treasurers[0])
        assert sent.status == "sent"


def test_a_funds_own_daily_limit_holds_it_to_less(approved, treasurers, relief, settings):
    settings.PAYOUTS_DAILY_LIMIT = {}
    FundPayoutLimit.objects.create(fund=relief, currency="EUR", daily_limit=35_000)
    _send(_proposed(approved(amount=30_000), treasurers[0]), treasurers[0])
    with pytest.raises(exceptions.PayoutLimitReached) as refused:
        _send(_proposed(approved(amount=10_000), treasurers[0]), treasurers[0])
    assert "The fund's payouts in EUR today would reach 400.00" in refused.value.detail
    assert "50.00 is left today" in refused.value.detail


def test_a_fund_limit_is_positive_once_per_fund_and_currency_and_an_iso_code(relief):
    FundPayoutLimit.objects.create(fund=relief, currency="EUR", daily_limit=1)
    for terms in (
        {"currency": "EUR", "daily_limit": 5},  # a second one for the same fund and currency
        {"currency": "USD", "daily_limit": 0},
        {"currency": "usd", "daily_limit": 5},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            FundPayoutLimit.objects.create(fund=relief, **terms)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_funds_sending_at_once_never_pass_the_organisations_day_together(
    approved, apply, treasurers, relief, chart, person, settings
):
    """Each fund's own lock does not serialise the two: the day's lock per currency must."""
    settings.PAYOUTS_DAILY_LIMIT = {"EUR": 50_000}
    grant_services.grant_fund_rules_set(fund_id=chart.general.pk, currency="EUR", max_per_request=100_000)
    entry_post(chart.transfer(chart.account("bank"), chart.account("donations_income"), 300_000))
    for _round in range(3):
        in_relief = _proposed(approved(amount=30_000), treasurers[0])
        other = apply(fund_id=chart.general.pk, amount=30_000)
        reviewer, admin = person("reviewer"), person("admin")
        grant_services.reviewer_assign(reference=other.reference, reviewer=reviewer, assigned_by=admin)
        grant_services.grant_request_approve(reference=other.reference, reviewer=reviewer, amount=30_000)
        in_general = _proposed(other, treasurers[0])

        outcomes = _race(
            [
                lambda d=in_relief: _send(d, treasurers[0]),
                lambda d=in_general: _send(d, treasurers[1]),
            ]
        )

        assert outcomes == ["payout_limit_reached", "sent"]
        Disbursement.objects.filter(status="sent").update(sent_at=timezone.now() - datetime.timedelta(days=2))
    assert Entry.objects.filter(kind=EntryKind.PAYOUT).count() == 3
    ledger_seal()
    assert ledger_verify().ok
