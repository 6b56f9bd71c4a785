"""Crypto-shredding a request's identifying data, on demand or when its retention period ends."""

from django.db import transaction

from grants.identity import requests_shred, retention_cutoff
from grants.models import GrantRequest
from grants.services.access import _locked
from grants.workflow import Status


@transaction.atomic
def grant_request_shred(*, reference: str, by_id: int | None) -> GrantRequest:
    """An admin erases one request's identifying data now; its books and its public fields stay."""
    request = _locked(reference)
    requests_shred(requests=[request], by_id=by_id, reason="admin_request")
    return request


def grant_requests_shred_expired(*, batch_size: int = 1_000) -> int:
    """Shred every request closed longer than GRANTS_RETENTION_DAYS ago, one committed batch at a time."""
    cutoff = retention_cutoff()
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                GrantRequest.objects.select_for_update(skip_locked=True)
                .filter(
                    status=Status.CLOSED,
                    closed_at__lte=cutoff,
                    shredded_at__isnull=True,
                    subject_reference__isnull=False,
                )
                .order_by("id")[:batch_size]
            )
            if not batch:
                return total
            total += requests_shred(requests=batch, by_id=None, reason="retention")
