"""A campaign's public progress: raised per currency and in the base currency, committed, disbursed."""

import datetime
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ledger.api import EntryKind, EntrySpec, PostingSpec, currency_convert, entry_post, entry_reverse
from pledges.services import campaign_create, contribution_match, contribution_record
from tests.pledges.helpers import CAMPAIGNS

TODAY = timezone.localdate()


@pytest.fixture
def treasurer_user(make_user):
    return make_user("treasurer")[0]


def _cash(campaign, user, amount: int, currency: str, reference: str = ""):
    return contribution_record(
        idempotency_key=uuid.uuid4(),
        method="cash",
        amount=amount,
        currency=currency,
        received_on=TODAY,
        reference=reference,
        campaign_slug=campaign.slug,
        recorded_by=user,
    )[0]


def _progress(campaign) -> dict:
    response = APIClient().get(f"{CAMPAIGNS}{campaign.slug}/")
    assert response.status_code == 200, response.content
    return response.json()["progress"]


def test_raised_in_the_base_currency_uses_the_latest_conversion_in_the_books_and_names_what_it_left_out(
    settings, chart, campaign, treasurer_user
):
    settings.BASE_CURRENCY = "EUR"
    _cash(campaign, treasurer_user, 10_000, "EUR")
    _cash(campaign, treasurer_user, 3_334, "USD")
    _cash(campaign, treasurer_user, 500, "GBP")
    bank = {c: chart.account("bank", c).pk for c in ("EUR", "USD")}

    def convert(usd: int, eur: int, date: datetime.date) -> None:
        currency_convert(
            idempotency_key=uuid.uuid4(),
            fund_id=campaign.fund_id,
            from_account_id=bank["USD"],
            to_account_id=bank["EUR"],
            from_amount=usd,
            to_amount=eur,
            rate_source="bank statement",
            date=date,
        )

    convert(1_000, 900, TODAY - datetime.timedelta(days=2))
    convert(2_000, 1_841, TODAY)  # the latest: 0.9205 EUR per USD

    progress = _progress(campaign)

    assert progress["raised"] == [
        {"currency": "EUR", "amount": "100.00"},
        {"currency": "GBP", "amount": "5.00"},
        {"currency": "USD", "amount": "33.34"},
    ]
    # 33.34 USD * 18.41 / 20.00 = 30.6894... EUR, rounded toward zero: 30.68 EUR (never 30.69).
    assert progress["raised_in_base"] == {
        "currency": "EUR",
        "amount": "130.68",
        "rates": [{"currency": "USD", "rate": "0.9205", "as_of": TODAY.isoformat()}],
        "unconverted": ["GBP"],
    }


def test_committed_and_disbursed_are_read_from_the_books_and_a_failed_payment_is_not_disbursed(
    chart, campaign, treasurer_user
):
    _cash(campaign, treasurer_user, 50_000, "EUR")
    fund = campaign.fund_id
    expense, payable, bank = (
        chart.account(r, "EUR").pk for r in ("grants_expense", "grants_payable", "bank")
    )

    def post(kind: str, debit: int, credit: int, amount: int) -> int:
        legs = (PostingSpec(debit, fund, "EUR", amount), PostingSpec(credit, fund, "EUR", -amount))
        spec = EntrySpec(idempotency_key=uuid.uuid4(), postings=legs, date=TODAY, kind=kind)
        return entry_post(spec).entry_id

    assert _progress(campaign)["disbursed"] == [] and _progress(campaign)["committed"] == []
    post(EntryKind.GRANT, expense, payable, 30_000)
    post(EntryKind.GRANT, expense, payable, 12_000)
    post(EntryKind.PAYOUT, payable, bank, 30_000)
    failed = post(EntryKind.PAYOUT, payable, bank, 12_000)
    entry_reverse(entry_id=failed, idempotency_key=uuid.uuid4(), date=TODAY, memo="Payment bounced")

    progress = _progress(campaign)

    assert progress["committed"] == [{"currency": "EUR", "amount": "420.00"}]
    assert progress["disbursed"] == [{"currency": "EUR", "amount": "300.00"}]
    assert progress["raised"] == [{"currency": "EUR", "amount": "500.00"}]


def test_money_matched_to_another_campaigns_pledge_counts_its_donor_there(chart, campaign, treasurer_user):
    from pledges.services import pledge_create

    other = campaign_create(
        slug="legal-aid", title={"en": "Legal aid"}, goal_amount=1, goal_currency="EUR", starts_on=TODAY
    )
    unreferenced = _cash(campaign, treasurer_user, 2_500, "EUR", reference="envelope")
    _cash(campaign, treasurer_user, 1_000, "EUR")
    assert (_progress(campaign)["donors"], _progress(other)["donors"]) == (2, 0)
    pledge = pledge_create(
        campaign_slug=other.slug,
        amount=2_500,
        currency="EUR",
        frequency="once",
        method="bank_transfer",
        donor=None,
    )

    contribution_match(
        contribution_id=unreferenced.public_id, reference=pledge.reference, matched_by=treasurer_user
    )

    assert (_progress(campaign)["donors"], _progress(other)["donors"]) == (1, 1)
    assert _progress(other)["raised"] == [{"currency": "EUR", "amount": "25.00"}]
    assert _progress(campaign)["raised"] == [{"currency": "EUR", "amount": "10.00"}]


def test_a_donor_account_counts_once_however_many_pledges_and_each_anonymous_pledge_once(
    chart, campaign, treasurer_user, make_user
):
    from pledges.services import pledge_create

    donor = make_user("donor")[0]

    def bank_pledge(donor_user=None):
        return pledge_create(
            campaign_slug=campaign.slug,
            amount=1_000,
            currency="EUR",
            frequency="once",
            method="bank_transfer",
            donor=donor_user,
        )

    for pledge in (bank_pledge(donor), bank_pledge(donor), bank_pledge(), bank_pledge()):
        _cash(campaign, treasurer_user, 1_000, "EUR", reference=pledge.reference)
    unpaid = bank_pledge()
    assert unpaid.reference  # a pledge with no money yet is nobody's gift
    _cash(campaign, treasurer_user, 500, "EUR")
    assert _progress(campaign)["donors"] == 1 + 2 + 1
