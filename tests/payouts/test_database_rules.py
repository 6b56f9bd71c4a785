"""PostgreSQL itself refuses what breaks a disbursement's rules, whatever client writes the SQL."""

import uuid

import pytest

from payouts import services
from payouts.models import Disbursement
from payouts.workflow import TRANSITIONS, DisbursementStatus
from tests.ledger.rawsql import as_owner, as_superuser_without_triggers, execute, rejected

UNIQUE, CHECK, FOREIGN_KEY = "23505", "23514", "23503"


@pytest.fixture
def proposal(approved, treasurers):
    """A disbursement above the threshold, proposed by the first treasurer and awaiting a second."""
    request = approved(amount=60_000)
    disbursement, _new = services.disbursement_propose(
        grant_reference=request.reference,
        rail="bank_transfer",
        proposed_by=treasurers[0],
        idempotency_key=uuid.uuid4(),
    )
    return disbursement


def _approve_sql(disbursement, approver_id: int, proposer_id: int) -> None:
    execute(
        "INSERT INTO payouts_disbursementapproval (disbursement_id, approver_id, proposer_id, approved_at) "
        "VALUES (%s, %s, %s, now())",
        [disbursement.pk, approver_id, proposer_id],
    )


def _copy(disbursement, *, reference: str, status: str) -> None:
    """Insert another disbursement of the same grant, needing two treasurers, in `status`."""
    execute(
        "INSERT INTO payouts_disbursement (reference, grant_request_id, fund_id, amount, currency, rail, "
        "status, needs_second_approval, proposal_key, proposed_by_id, proposed_at, approved_at, "
        "rail_reference, failure_reason) SELECT %s, grant_request_id, fund_id, amount, currency, rail, %s, "
        "true, gen_random_uuid(), proposed_by_id, now(), now(), '', '' "
        "FROM payouts_disbursement WHERE id = %s",
        [reference, status, disbursement.pk],
    )


def test_the_proposer_cannot_approve_their_own_proposal(proposal):
    with rejected(CHECK, constraint="disbursementapproval_not_the_proposer"):
        _approve_sql(proposal, proposal.proposed_by_id, proposal.proposed_by_id)


def test_an_approval_cannot_name_another_proposer_than_the_disbursements(proposal, treasurers, person):
    stranger = person("treasurer")
    with rejected(FOREIGN_KEY, constraint="disbursementapproval_proposer_matches"):
        _approve_sql(proposal, treasurers[1].pk, stranger.pk)


def test_a_treasurer_approves_a_disbursement_once(proposal, treasurers):
    _approve_sql(proposal, treasurers[1].pk, proposal.proposed_by_id)
    with rejected(UNIQUE, constraint="disbursementapproval_once"):
        _approve_sql(proposal, treasurers[1].pk, proposal.proposed_by_id)


def test_approvals_are_append_only(proposal, treasurers):
    _approve_sql(proposal, treasurers[1].pk, proposal.proposed_by_id)
    with rejected("42501"):  # the runtime role may only read and insert them
        execute("DELETE FROM payouts_disbursementapproval")
    with as_owner(), rejected("P0001"):
        execute("UPDATE payouts_disbursementapproval SET approved_at = now()")


def test_above_the_threshold_it_cannot_become_approved_without_a_second_treasurer(proposal):
    with rejected("TP002"):
        execute(
            "UPDATE payouts_disbursement SET status = 'approved', approved_at = now() WHERE id = %s",
            [proposal.pk],
        )


def test_a_disbursement_needing_two_cannot_be_born_approved(proposal):
    with rejected("TP001"):
        _copy(proposal, reference="PO-X", status="approved")


def test_a_grant_request_has_one_live_disbursement(proposal):
    with rejected(UNIQUE, constraint="disbursement_one_live_per_grant"):
        _copy(proposal, reference="PO-Y", status="proposed")


def test_the_amount_is_above_zero(proposal):
    with rejected(CHECK, constraint="disbursement_amount_positive"):
        execute("UPDATE payouts_disbursement SET amount = 0 WHERE id = %s", [proposal.pk])


def test_a_sent_disbursement_has_its_reference_and_its_settling_entry(proposal):
    with as_superuser_without_triggers():
        execute(
            "UPDATE payouts_disbursement SET status = 'approved', approved_at = now() WHERE id = %s",
            [proposal.pk],
        )
    with rejected(CHECK, constraint="disbursement_sent_recorded"):
        execute("UPDATE payouts_disbursement SET status = 'sent' WHERE id = %s", [proposal.pk])


def test_a_disbursement_is_never_deleted(proposal):
    with rejected("P0001"):
        execute("DELETE FROM payouts_disbursement WHERE id = %s", [proposal.pk])


def _force_status(pk: int, status: str) -> None:
    """Put a row in a status directly, triggers off, with what the row's CHECKs ask of that status."""
    with as_superuser_without_triggers():
        execute(
            "UPDATE payouts_disbursement SET status = %s, approved_at = now(), sent_by_id = proposed_by_id, "
            "sent_at = now(), send_key = gen_random_uuid(), rail_reference = 'R', sent_entry_id = 1, "
            "failed_by_id = proposed_by_id, failed_at = now(), fail_key = gen_random_uuid(), "
            "failure_reason = 'other', failure_entry_id = 2, cancelled_by_id = proposed_by_id, "
            "cancelled_at = now(), needs_second_approval = false WHERE id = %s",
            [status, pk],
        )


MOVES = [(a, b) for a in DisbursementStatus.values for b in DisbursementStatus.values if a != b]


@pytest.mark.parametrize(("source", "target"), MOVES)
def test_the_database_refuses_every_move_the_status_machine_does_not_list(proposal, source, target):
    _force_status(proposal.pk, source)
    if target in TRANSITIONS[source]:
        execute("UPDATE payouts_disbursement SET status = %s WHERE id = %s", [target, proposal.pk])
        assert Disbursement.objects.get(pk=proposal.pk).status == target
    else:
        with rejected("TP001"):
            execute("UPDATE payouts_disbursement SET status = %s WHERE id = %s", [target, proposal.pk])
