"""The admin lists disbursements to treasurers and auditors, read-only, with nothing about who is paid."""

import uuid

import pytest
from django.test import Client

from payouts import services
from tests.users.admin_login import otp_force_login


@pytest.mark.parametrize("role", ["treasurer", "auditor"])
def test_treasurers_and_auditors_read_disbursements_in_the_admin_and_change_nothing(
    approved, treasurers, person, role
):
    request = approved()
    disbursement, _new = services.disbursement_propose(
        grant_reference=request.reference,
        rail="cash",
        proposed_by=treasurers[0],
        idempotency_key=uuid.uuid4(),
    )
    client = otp_force_login(Client(), person(role))
    listed = client.get("/admin/payouts/disbursement/")
    assert listed.status_code == 200
    assert disbursement.reference in listed.content.decode()
    one = client.get(f"/admin/payouts/disbursement/{disbursement.pk}/change/")
    assert one.status_code == 200
    assert request.reference in one.content.decode()
    assert client.get("/admin/payouts/disbursement/add/").status_code == 403
    assert client.post(f"/admin/payouts/disbursement/{disbursement.pk}/delete/").status_code == 403


def test_admins_set_a_funds_daily_payout_limit_and_treasurers_only_read_it(person, relief):
    from payouts.models import FundPayoutLimit

    admin = otp_force_login(Client(), person("admin"))
    added = admin.post(
        "/admin/payouts/fundpayoutlimit/add/",
        {"fund": relief.pk, "currency": "EUR", "daily_limit": 25_000},
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    limit = FundPayoutLimit.objects.get()
    assert (limit.fund_id, limit.currency, limit.daily_limit) == (relief.pk, "EUR", 25_000)

    treasurer = otp_force_login(Client(), person("treasurer"))
    assert treasurer.get("/admin/payouts/fundpayoutlimit/").status_code == 200
    assert treasurer.get("/admin/payouts/fundpayoutlimit/add/").status_code == 403
    changed = treasurer.post(
        f"/admin/payouts/fundpayoutlimit/{limit.pk}/change/",
        {"fund": relief.pk, "currency": "EUR", "daily_limit": 10**12},
    )
    assert changed.status_code == 403
    limit.refresh_from_db()
    assert limit.daily_limit == 25_000
