"""The status machine: every allowed move works, every other is refused by the services and by PostgreSQL."""

import pytest

from grants import exceptions, services
from grants.models import Appeal, Decision, GrantRequest
from grants.workflow import TRANSITIONS, Status, transition_allowed
from ledger.services import ledger_seal
from ledger.verification import ledger_verify
from tests.ledger.rawsql import as_superuser_without_triggers, execute, rejected


def _status(request: GrantRequest) -> str:
    request.refresh_from_db()
    return request.status


def test_a_draft_is_submitted_assigned_approved_paid_and_closed(in_review, person):
    request, reviewer, _admin = in_review(submit=True)
    assert request.status == Status.IN_REVIEW
    services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=30_000)
    request.refresh_from_db()
    assert (request.status, request.approved_amount, request.decided_by) == (
        Status.APPROVED,
        30_000,
        reviewer,
    )
    assert request.decided_at is not None and request.commitment_entry_id is not None
    services.grant_request_mark_paid(reference=request.reference)
    services.grant_request_close(reference=request.reference)
    assert _status(request) == Status.CLOSED
    ledger_seal()
    assert ledger_verify().ok


def test_a_paid_request_whose_payout_was_reversed_is_approved_again_until_closed(in_review):
    request, reviewer, _admin = in_review()
    services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=30_000)
    services.grant_request_mark_paid(reference=request.reference)
    services.grant_request_payment_reversed(reference=request.reference)
    assert _status(request) == Status.APPROVED
    services.grant_request_mark_paid(reference=request.reference)
    services.grant_request_close(reference=request.reference)
    with pytest.raises(exceptions.InvalidTransition):
        services.grant_request_payment_reversed(reference=request.reference)
    assert _status(request) == Status.CLOSED


def test_a_draft_can_be_edited_and_a_submitted_request_cannot(apply):
    draft = apply(submit=False)
    services.grant_request_update(
        reference=draft.reference, requester=draft.requester, changes={"amount": 20_000}
    )
    services.grant_request_submit(reference=draft.reference, requester=draft.requester)
    with pytest.raises(exceptions.NotEditable):
        services.grant_request_update(
            reference=draft.reference, requester=draft.requester, changes={"amount": 1}
        )
    draft.refresh_from_db()
    assert (draft.status, draft.amount_requested) == (Status.SUBMITTED, 20_000)


def test_a_requester_withdraws_before_the_decision_and_the_request_then_closes(in_review):
    request, _reviewer, _admin = in_review()
    services.grant_request_withdraw(reference=request.reference, requester=request.requester)
    services.grant_request_close(reference=request.reference)
    assert _status(request) == Status.CLOSED


def test_an_approved_request_cannot_be_withdrawn_declined_or_approved_again(in_review):
    request, reviewer, _admin = in_review()
    services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=50_000)
    with pytest.raises(exceptions.InvalidTransition):
        services.grant_request_withdraw(reference=request.reference, requester=request.requester)
    with pytest.raises(exceptions.InvalidTransition):
        services.grant_request_decline(reference=request.reference, reviewer=reviewer, reason="other")
    with pytest.raises(exceptions.InvalidTransition):
        services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=1)
    assert Decision.objects.filter(request=request).count() == 1


def test_a_decline_is_appealed_once_and_decided_by_another_reviewer(in_review, person):
    request, first, admin = in_review()
    services.grant_request_decline(reference=request.reference, reviewer=first, reason="incomplete")
    services.grant_request_appeal(reference=request.reference, requester=request.requester)
    assert _status(request) == Status.APPEALED
    assert Appeal.objects.filter(request=request).count() == 1
    # The first decider is unassigned and cannot be assigned the appeal.
    with pytest.raises(exceptions.RequestNotFound):
        services.grant_request_approve(reference=request.reference, reviewer=first, amount=10_000)
    with pytest.raises(exceptions.AppealNeedsAnotherReviewer):
        services.reviewer_assign(reference=request.reference, reviewer=first, assigned_by=admin)
    second = person("reviewer")
    services.reviewer_assign(reference=request.reference, reviewer=second, assigned_by=admin)
    services.grant_request_decline(reference=request.reference, reviewer=second, reason="not_eligible")
    with pytest.raises(exceptions.AlreadyAppealed):
        services.grant_request_appeal(reference=request.reference, requester=request.requester)
    assert list(Decision.objects.filter(request=request).values_list("round", "decided_by")) == [
        (1, first.pk),
        (2, second.pk),
    ]


def test_an_appeal_can_end_in_an_approval(in_review, person):
    request, first, admin = in_review()
    services.grant_request_decline(reference=request.reference, reviewer=first, reason="incomplete")
    services.grant_request_appeal(reference=request.reference, requester=request.requester)
    second = person("reviewer")
    services.reviewer_assign(reference=request.reference, reviewer=second, assigned_by=admin)
    services.grant_request_approve(reference=request.reference, reviewer=second, amount=40_000)
    assert _status(request) == Status.APPROVED


ALL_MOVES = [(source, target) for source in Status.values for target in Status.values if source != target]


def _force_status(pk: int, status: str) -> None:
    """Put a row in a status directly, triggers off, with what the row's CHECKs ask of that status."""
    with as_superuser_without_triggers():
        execute(
            "UPDATE grants_grantrequest SET status = %s, decided_by_id = requester_id, decided_at = now(), "
            "approved_amount = 1, committed_amount = 1, commitment_entry_id = 1, decline_reason = 'other' "
            "WHERE id = %s",
            [status, pk],
        )


@pytest.mark.parametrize(("source", "target"), ALL_MOVES)
def test_the_database_refuses_every_move_the_status_machine_does_not_list(apply, source, target):
    request = apply()
    _force_status(request.pk, source)
    if transition_allowed(source, target):
        execute("UPDATE grants_grantrequest SET status = %s WHERE id = %s", [target, request.pk])
    else:
        with rejected("TG001"):
            execute("UPDATE grants_grantrequest SET status = %s WHERE id = %s", [target, request.pk])


def test_the_machine_lists_every_status():
    assert set(TRANSITIONS) == set(Status.values)
    assert all(targets <= set(Status.values) for targets in TRANSITIONS.values())
