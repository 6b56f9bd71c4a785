"""The status machine of a grant request, written once: services and a database trigger read it."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.statuses import transition_check_sql


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    APPEALED = "appealed", _("Appealed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed")


# Every allowed move; anything else is refused by the services (409) and by PostgreSQL.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.WITHDRAWN}),
    Status.SUBMITTED: frozenset({Status.IN_REVIEW, Status.WITHDRAWN}),
    Status.IN_REVIEW: frozenset({Status.APPROVED, Status.DECLINED, Status.WITHDRAWN}),
    Status.DECLINED: frozenset({Status.APPEALED, Status.CLOSED}),
    Status.APPEALED: frozenset({Status.APPROVED, Status.DECLINED, Status.WITHDRAWN}),
    Status.APPROVED: frozenset({Status.PAID}),
    Status.WITHDRAWN: frozenset({Status.CLOSED}),
    # Back to approved when its payout failed and was reversed in the books: it can be paid again.
    Status.PAID: frozenset({Status.CLOSED, Status.APPROVED}),
    Status.CLOSED: frozenset(),
}

# Statuses a reviewer decides in, and statuses that carry a decision.
DECIDABLE = frozenset({Status.IN_REVIEW, Status.APPEALED})
DECIDED = frozenset({Status.APPROVED, Status.DECLINED, Status.PAID})
# The requester may still withdraw; reviewers are at work.
OPEN_FOR_REVIEW = frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.APPEALED})


def transition_allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def transition_trigger_sql() -> str:
    """PL/pgSQL body refusing any status change TRANSITIONS does not list (SQLSTATE TG001).

    Runs with `allowed boolean` declared (see GrantRequest.Meta.triggers).
    """
    return transition_check_sql(TRANSITIONS, noun="grant request", sqlstate="TG001") + "RETURN NEW;"
