"""Treasurers give card contributions back through Stripe; the refund is booked like any other."""

import uuid

from django.db import transaction
from django.db.models import Sum

from core.locks import advisory_lock
from ledger.api import IdempotencyConflict, IdempotencyKeyForeign
from pledges import stripe_gateway as gateway
from pledges.exceptions import ContributionNotFound, RefundNotPossible
from pledges.models import Contribution, ContributionMethod, RefundRequest
from pledges.services.booking import pledge_lock, refunds_sync
from users.models import User


@transaction.atomic
def _refund_request_create(
    *, contribution_id: uuid.UUID, amount: int | None, requested_by: User, idempotency_key: uuid.UUID
) -> RefundRequest:
    public_id = gateway.stripe_key("refund-request", str(idempotency_key))
    advisory_lock(str(public_id))
    existing = RefundRequest.objects.filter(public_id=public_id).select_related("contribution").first()
    if existing is not None:
        # A retry with a corrected amount must not come back as the first refund, as if it were done.
        if existing.requested_by_id != requested_by.pk:
            raise IdempotencyKeyForeign("This Idempotency-Key was used by another user; choose a fresh key.")
        if existing.contribution.public_id != contribution_id or amount not in (None, existing.amount):
            raise IdempotencyConflict("This Idempotency-Key was used for another refund.")
        return existing
    contribution = Contribution.objects.filter(public_id=contribution_id).first()
    if contribution is None:
        raise ContributionNotFound()
    if contribution.method != ContributionMethod.CARD or contribution.pledge_id is None:
        raise RefundNotPossible("Bank and cash contributions are given back by the bank, not through Stripe.")
    pledge_lock(contribution.pledge_id)  # serialises requests against the same payment
    asked = (
        RefundRequest.objects.filter(contribution=contribution).aggregate(total=Sum("amount"))["total"] or 0
    )
    left = contribution.presentment_amount - asked
    amount = left if amount is None else amount
    if amount <= 0 or amount > left:
        raise RefundNotPossible(f"At most {left} minor units of this contribution are left to refund.")
    return RefundRequest.objects.create(
        public_id=public_id,
        contribution=contribution,
        amount=amount,
        currency=contribution.presentment_currency,
        requested_by=requested_by,
    )


def refund_request(
    *, contribution_id: uuid.UUID, amount: int | None, requested_by: User, idempotency_key: uuid.UUID
) -> tuple[RefundRequest, bool]:
    """Ask Stripe to refund (part of) a card contribution, then book what Stripe reports.

    The request row commits first; Stripe is called outside any transaction
    with the row's key; the books follow Stripe's refunds (the webhook books
    the same ones again as a no-op). Returns the request and whether it is new.
    """
    request = _refund_request_create(
        contribution_id=contribution_id,
        amount=amount,
        requested_by=requested_by,
        idempotency_key=idempotency_key,
    )
    created = request.stripe_refund_id is None
    if created:
        contribution = request.contribution
        refund = gateway.refund_create(
            charge_id=contribution.stripe_charge_id or "",
            amount=gateway.to_stripe_amount(request.amount, request.currency),
            metadata={"refund_request": str(request.public_id)},
            idempotency_key=gateway.stripe_key("refund-request", str(request.public_id)),
        )
        with transaction.atomic():
            pledge_lock(contribution.pledge_id)  # type: ignore[arg-type]
            RefundRequest.objects.filter(pk=request.pk).update(stripe_refund_id=refund["id"])
            refunds_sync(contribution=contribution, charge_id=contribution.stripe_charge_id or "")
        request.refresh_from_db()
    return request, created
