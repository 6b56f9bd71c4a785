"""Auditor pack fixtures: books built through the real services, with a requester's markers sealed away."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from grants import services as grant_services
from ledger.api import entry_post
from tests.api.conftest import anonymous, client_for, make_user  # noqa: F401
from tests.conftest import TODAY
from tests.grants.fixtures import marker

PERIOD_FROM = datetime.date(2026, 11, 1)
BEFORE_PERIOD = datetime.date(2026, 10, 5)


@dataclass
class Books:
    chart: object
    period_from: datetime.date
    period_to: datetime.date
    grant_reference: str
    marks: dict[str, str]


@pytest.fixture
def books(chart, relief, person) -> Books:
    """Gifts before and inside the period, in three currencies and two funds; a fee; an approved grant.

    The grant's requester gave a name, a contact and a narrative, each a marker.
    """
    account = chart.account
    general = chart.general
    entry_post(chart.transfer(account("bank"), account("donations_income"), 10_000, date=BEFORE_PERIOD))
    entry_post(
        chart.transfer(account("bank", "USD"), account("donations_income", "USD"), 5_000, date=PERIOD_FROM)
    )
    entry_post(
        chart.transfer(
            account("processing_fees"), account("bank"), 150, fund=general, date=datetime.date(2026, 11, 3)
        )
    )
    entry_post(
        chart.transfer(
            account("bank", "JPY"),
            account("donations_income", "JPY"),
            1_000,
            date=datetime.date(2026, 11, 10),
        )
    )
    marks = {field: marker(field) for field in ("name", "contact_handle", "narrative", "payout_details")}
    request = grant_services.grant_request_create(
        requester=person("requester"),
        fund_id=relief.pk,
        category="housing",
        country="KE",
        currency="EUR",
        amount=40_000,
        submit=True,
        identity=marks,
    )
    reviewer, admin = person("reviewer"), person("admin")
    grant_services.reviewer_assign(reference=request.reference, reviewer=reviewer, assigned_by=admin)
    grant_services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=40_000)
    return Books(
        chart=chart,
        period_from=PERIOD_FROM,
        period_to=max(TODAY, timezone.localdate()),
        grant_reference=request.reference,
        marks=marks,
    )
