"""The status machine of a disbursement, written once: the services and a database trigger read it."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.statuses import transition_check_sql


class DisbursementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


S = DisbursementStatus

# Every allowed move; anything else is refused by the services (409) and by PostgreSQL (SQLSTATE TP001).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PROPOSED: frozenset({S.APPROVED, S.CANCELLED}),
    S.APPROVED: frozenset({S.SENT, S.CANCELLED}),
    S.SENT: frozenset({S.FAILED}),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}

# A grant request has at most one disbursement in these statuses: the one under way or done.
LIVE = frozenset({S.PROPOSED, S.APPROVED, S.SENT})
# Statuses that carry an approval (the proposer's alone at or below the threshold).
APPROVED_OR_LATER = frozenset({S.APPROVED, S.SENT, S.FAILED})
# Statuses whose money left the bank (and, once failed, came back).
SENT_OR_LATER = frozenset({S.SENT, S.FAILED})


def transition_allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def birth_trigger_sql() -> str:
    """PL/pgSQL refusing a disbursement born past `proposed`, unless one treasurer suffices (TP001)."""
    return (
        f"IF NOT (NEW.status = '{S.PROPOSED}' OR (NEW.status = '{S.APPROVED}' "
        "AND NOT NEW.needs_second_approval)) THEN "
        "RAISE EXCEPTION 'a disbursement is born proposed, or approved when one treasurer suffices' "
        "USING ERRCODE = 'TP001'; END IF; RETURN NEW;"
    )


def transition_trigger_sql(approval_table: str) -> str:
    """PL/pgSQL refusing a move TRANSITIONS does not list, and an approval a second treasurer has not given.

    Runs with `allowed boolean` declared (see Disbursement.Meta.triggers).
    """
    return (
        transition_check_sql(TRANSITIONS, noun="disbursement", sqlstate="TP001")
        + f"IF NEW.status = '{S.APPROVED}' AND NEW.needs_second_approval AND NOT EXISTS "
        f"(SELECT 1 FROM public.{approval_table} a WHERE a.disbursement_id = NEW.id "
        "AND a.approver_id <> NEW.proposed_by_id) THEN "
        "RAISE EXCEPTION 'disbursement % needs a second treasurer''s approval', NEW.id "
        "USING ERRCODE = 'TP002'; END IF; RETURN NEW;"
    )
