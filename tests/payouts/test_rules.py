"""The payout rules at the service level: who may act, and when a second treasurer is needed."""

import uuid

import pytest

from grants import services as grant_services
from payouts import exceptions, services
from tests.payouts.conftest import THRESHOLD
from users.services import user_role_assign


def _propose(request, treasurer, rail: str = "bank_transfer"):
    disbursement, _new = services.disbursement_propose(
        grant_reference=request.reference, rail=rail, proposed_by=treasurer, idempotency_key=uuid.uuid4()
    )
    return disbursement


def _send(disbursement, treasurer):
    return services.disbursement_send(
        reference=disbursement.reference,
        sent_by=treasurer,
        rail_reference="BANK-TX",
        idempotency_key=uuid.uuid4(),
    )


def test_nobody_proposes_approves_or_sends_a_payout_to_themselves(in_review, person, treasurers):
    # A treasurer who also asked for a grant, under their own account.
    both = person("treasurer")
    user_role_assign(user=both, role="requester")
    request, reviewer, _admin = in_review(amount=THRESHOLD + 1, requester=both)
    grant_services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=THRESHOLD + 1)

    with pytest.raises(exceptions.OwnGrant):
        _propose(request, both)
    disbursement = _propose(request, treasurers[0])
    with pytest.raises(exceptions.OwnGrant):
        services.disbursement_approve(reference=disbursement.reference, approver=both)
    services.disbursement_approve(reference=disbursement.reference, approver=treasurers[1])
    with pytest.raises(exceptions.OwnGrant):
        _send(disbursement, both)


def test_only_treasurers_act_on_disbursements(approved, person, treasurers):
    request = approved(amount=THRESHOLD + 1)
    with pytest.raises(exceptions.NotATreasurer):
        _propose(request, person("auditor"))
    disbursement = _propose(request, treasurers[0])
    for act in (
        lambda user: services.disbursement_approve(reference=disbursement.reference, approver=user),
        lambda user: _send(disbursement, user),
        lambda user: services.disbursement_cancel(reference=disbursement.reference, cancelled_by=user),
    ):
        with pytest.raises(exceptions.NotATreasurer):
            act(person("admin"))


def test_a_currency_the_threshold_does_not_list_always_needs_a_second_treasurer(settings):
    settings.PAYOUTS_SECOND_APPROVAL_ABOVE = {"EUR": THRESHOLD}
    assert not services.second_approval_needed(amount=THRESHOLD, currency="EUR")
    assert services.second_approval_needed(amount=THRESHOLD + 1, currency="EUR")
    assert services.second_approval_needed(amount=1, currency="USD")


def test_raising_the_threshold_later_does_not_spare_a_proposal_its_second_approval(
    approved, treasurers, settings
):
    disbursement = _propose(approved(amount=THRESHOLD + 1), treasurers[0])
    settings.PAYOUTS_SECOND_APPROVAL_ABOVE = {"EUR": 10 * THRESHOLD}
    with pytest.raises(exceptions.SecondApprovalRequired):
        _send(disbursement, treasurers[0])


def test_the_proposer_cannot_send_alone_even_after_approving_elsewhere(approved, treasurers):
    first = _propose(approved(amount=THRESHOLD + 1), treasurers[0])
    second = _propose(approved(amount=THRESHOLD + 1), treasurers[1])
    services.disbursement_approve(reference=second.reference, approver=treasurers[0])
    with pytest.raises(exceptions.SecondApprovalRequired):
        _send(first, treasurers[0])
