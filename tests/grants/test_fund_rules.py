"""Fund rules at application and approval: the per-request maximum, category caps and uncommitted money."""

from decimal import Decimal

import pytest

from grants import exceptions, services
from grants.models import Decision, GrantRequest
from grants.services import commitment_key
from grants.workflow import Status
from ledger.models import Entry, EntryKind
from ledger.selectors import fund_net_assets, fund_uncommitted
from ledger.services import entry_post, ledger_seal
from ledger.verification import ledger_verify
from tests.grants.fixtures import FUND_MONEY, LEGAL_CAP, MAX_PER_REQUEST


@pytest.mark.parametrize(
    ("terms", "error"),
    [
        ({"fund_id": 999_999}, exceptions.UnknownFund),
        ({"category": "yachts"}, exceptions.InvalidGrantInput),
        ({"country": "XX"}, exceptions.UnknownCountry),
        ({"country": "ke"}, exceptions.UnknownCountry),
        ({"amount": 0}, exceptions.InvalidGrantAmount),
        ({"amount": -5}, exceptions.InvalidGrantAmount),
        ({"amount": MAX_PER_REQUEST + 1}, exceptions.AboveFundMaximum),
        ({"currency": "USD"}, exceptions.CurrencyNotPaid),
    ],
)
def test_a_request_the_fund_cannot_grant_is_refused_and_nothing_is_written(apply, terms, error):
    with pytest.raises(error):
        apply(**terms)
    assert GrantRequest.objects.count() == 0


def test_approving_commits_the_amount_in_the_grants_fund_as_a_grant_entry(in_review, relief):
    request, reviewer, _admin = in_review(amount=80_000)
    services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=60_000)
    entry = Entry.objects.get(idempotency_key=commitment_key(request.reference))
    assert (entry.kind, entry.source_type, entry.source_id) == (
        EntryKind.GRANT,
        "grant_request",
        request.reference,
    )
    legs = sorted((p.account.role, p.fund_id, p.amount) for p in entry.postings.select_related("account"))
    assert legs == [("grants_expense", relief.pk, 60_000), ("grants_payable", relief.pk, -60_000)]
    assert fund_net_assets(fund_id=relief.pk, currency="EUR") == FUND_MONEY - 60_000
    ledger_seal()
    assert ledger_verify().ok


def test_an_approval_above_the_amount_requested_is_refused(in_review):
    request, reviewer, _admin = in_review(amount=10_000)
    with pytest.raises(exceptions.AboveRequested):
        services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=10_001)
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    assert not Entry.objects.filter(kind=EntryKind.GRANT).exists()


def test_approval_is_refused_when_the_funds_uncommitted_money_is_short(in_review):
    approved = []
    for _ in range(3):
        request, reviewer, _admin = in_review(amount=MAX_PER_REQUEST)
        services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=MAX_PER_REQUEST)
        approved.append(request)
    request, reviewer, _admin = in_review(amount=1)
    with pytest.raises(exceptions.FundShort):
        services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=1)
    assert Entry.objects.filter(kind=EntryKind.GRANT).count() == 3
    assert not Decision.objects.filter(request=request).exists()


def test_paying_a_grant_out_does_not_free_its_commitment(in_review, relief, chart):
    request, reviewer, _admin = in_review(amount=50_000)
    services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=50_000)
    entry_post(chart.transfer(chart.account("grants_payable"), chart.account("bank"), 50_000, fund=relief))
    assert fund_net_assets(fund_id=relief.pk, currency="EUR") == FUND_MONEY - 50_000


def test_a_category_cap_counts_every_approval_in_the_category(in_review):
    first, reviewer, _admin = in_review(category="legal", amount=MAX_PER_REQUEST)
    services.grant_request_approve(reference=first.reference, reviewer=reviewer, amount=MAX_PER_REQUEST)
    second, reviewer, _admin = in_review(category="legal", amount=MAX_PER_REQUEST)
    with pytest.raises(exceptions.CategoryCapReached):
        services.grant_request_approve(
            reference=second.reference, reviewer=reviewer, amount=LEGAL_CAP - MAX_PER_REQUEST + 1
        )
    services.grant_request_approve(
        reference=second.reference, reviewer=reviewer, amount=LEGAL_CAP - MAX_PER_REQUEST
    )


def test_a_reviewer_sees_and_decides_only_what_is_assigned(in_review, person):
    request, _reviewer, _admin = in_review()
    stranger = person("reviewer")
    with pytest.raises(exceptions.RequestNotFound):
        services.grant_request_approve(reference=request.reference, reviewer=stranger, amount=1)
    with pytest.raises(exceptions.RequestNotFound):
        services.review_record(
            reference=request.reference, reviewer=stranger, score=5, recommendation="approve"
        )


def test_a_declared_conflict_unassigns_the_reviewer_for_good(in_review):
    request, reviewer, admin = in_review()
    services.review_record(reference=request.reference, reviewer=reviewer, score=4, recommendation="approve")
    services.conflict_declare(reference=request.reference, reviewer=reviewer)
    assert not request.assignments.filter(reviewer=reviewer).exists()
    assert not request.reviews.exists()
    with pytest.raises(exceptions.RequestNotFound):
        services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=1)
    with pytest.raises(exceptions.ConflictOfInterest):
        services.reviewer_assign(reference=request.reference, reviewer=reviewer, assigned_by=admin)


def test_only_reviewers_can_be_assigned(apply, person):
    request = apply()
    with pytest.raises(exceptions.NotAReviewer):
        services.reviewer_assign(
            reference=request.reference, reviewer=person("requester"), assigned_by=person("admin")
        )


@pytest.fixture
def pays_usd(relief):
    services.grant_fund_rules_set(
        fund_id=relief.pk,
        currency="EUR",
        max_per_request=MAX_PER_REQUEST,
        caps={"legal": LEGAL_CAP},
        also_pays=("USD",),
    )
    return relief


def test_a_request_in_another_currency_is_committed_at_the_rate_fixed_at_approval(in_review, pays_usd):
    request, reviewer, _admin = in_review(currency="USD", amount=10_000)
    services.grant_request_approve(
        reference=request.reference,
        reviewer=reviewer,
        amount=10_000,
        rate=Decimal("0.9215"),
        rate_source="ecb",
    )
    entry = Entry.objects.get(idempotency_key=commitment_key(request.reference))
    assert (entry.fx_rate, entry.fx_rate_source) == (Decimal("0.9215"), "ecb")
    legs = sorted((p.account.role, p.currency, p.amount) for p in entry.postings.select_related("account"))
    assert legs == [
        ("fx_trading", "EUR", -9_215),
        ("fx_trading", "USD", 10_000),
        ("grants_expense", "EUR", 9_215),
        ("grants_payable", "USD", -10_000),
    ]
    request.refresh_from_db()
    assert (request.approved_amount, request.committed_amount) == (10_000, 9_215)
    assert fund_uncommitted(fund_id=pays_usd.pk, currency="EUR") == FUND_MONEY - 9_215
    ledger_seal()
    assert ledger_verify().ok


def test_an_approval_in_another_currency_needs_a_rate_and_its_source(in_review, pays_usd):
    request, reviewer, _admin = in_review(currency="USD", amount=10_000)
    for rate, source in ((None, ""), (Decimal("0.9"), ""), (Decimal(0), "ecb")):
        with pytest.raises(exceptions.RateRequired):
            services.grant_request_approve(
                reference=request.reference, reviewer=reviewer, amount=10_000, rate=rate, rate_source=source
            )
    assert not Entry.objects.filter(kind=EntryKind.GRANT).exists()


def test_the_funds_maximum_and_money_are_checked_on_the_amount_at_the_fixed_rate(in_review, pays_usd):
    request, reviewer, _admin = in_review(currency="USD", amount=200_000)
    with pytest.raises(exceptions.AboveFundMaximum):
        services.grant_request_approve(
            reference=request.reference,
            reviewer=reviewer,
            amount=200_000,
            rate=Decimal("0.9"),
            rate_source="ecb",
        )
    services.grant_request_approve(
        reference=request.reference, reviewer=reviewer, amount=100_000, rate=Decimal("0.9"), rate_source="ecb"
    )
    request.refresh_from_db()
    assert request.committed_amount == 90_000
