"""Read queries about disbursements: what treasurers and auditors see, never who is paid."""

from django.db.models import Prefetch, QuerySet

from payouts.exceptions import DisbursementNotFound
from payouts.models import Disbursement, DisbursementApproval


def disbursement_list(*, status: str | None = None) -> QuerySet[Disbursement]:
    """Disbursements newest first, with their grant's reference and approvals, without N+1 queries."""
    rows = (
        Disbursement.objects.select_related("grant_request")
        .only(*DISBURSEMENT_COLUMNS)
        .prefetch_related(Prefetch("approvals", queryset=DisbursementApproval.objects.order_by("id")))
        .order_by("-id")
    )
    return rows.filter(status=status) if status else rows


def disbursement_get(*, reference: str) -> Disbursement:
    found = disbursement_list().filter(reference=reference).first()
    if found is None:
        raise DisbursementNotFound()
    return found


# Only the public columns of the grant request are ever loaded here: its sealed fields stay in the database.
DISBURSEMENT_COLUMNS = (
    *(field.name for field in Disbursement._meta.concrete_fields),
    "grant_request__reference",
)
