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
