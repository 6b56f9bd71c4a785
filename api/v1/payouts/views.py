"""Disbursements: treasurers and auditors read them; treasurers propose, approve, send, fail and cancel."""

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotency_key_get
from api.permissions import PayoutAccess
from api.schema import IDEMPOTENCY_KEY, READ_PROBLEMS, WRITE_PROBLEMS, problems
from api.v1.payouts import serializers as s
from api.validation import body_validate, query_validate
from grants.api import grant_request_payable_get
from ledger.api import to_minor
from payouts.api import (
    Disbursement,
    disbursement_approve,
    disbursement_cancel,
    disbursement_fail,
    disbursement_get,
    disbursement_list,
    disbursement_propose,
    disbursement_send,
)
from users.models import User

TAG = "payouts"

S404 = "No disbursement with that reference (`not_found`)."
S403 = (
    "Not a treasurer (`permission_denied`), no second factor (`otp_required`), your own proposal "
    "(`own_proposal`) or a payout to yourself (`own_grant`)."
)


def _out(disbursement: Disbursement, code: int = status.HTTP_200_OK) -> Response:
    """The disbursement as read back by the selector, so every answer has the same shape."""
    return Response(
        s.DisbursementOutput(disbursement_get(reference=disbursement.reference)).data, status=code
    )


@extend_schema(tags=[TAG])
class DisbursementListCreateView(generics.ListAPIView):
    """Disbursements newest first (optionally of one `status`); treasurers propose new ones.

    A proposal pays an approved grant request in full. At or below
    `PAYOUTS_SECOND_APPROVAL_ABOVE` for its currency it is approved at once (the
    proposer's confirmation suffices); above it, a second, distinct treasurer must
    approve before it is sent.
    """

    permission_classes = (PayoutAccess,)
    serializer_class = s.DisbursementOutput
    filter_backends = ()

    def get_queryset(self) -> Any:
        query = query_validate(s.DisbursementListQuery, self.request)
        return disbursement_list(status=query.get("status"))

    @extend_schema(
        parameters=[s.DisbursementListQuery],
        responses={200: s.DisbursementOutput(many=True), **problems(*READ_PROBLEMS, 404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.ProposeInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: s.DisbursementOutput,
            201: s.DisbursementOutput,
            **problems(
                *WRITE_PROBLEMS,
                404,
                409,
                422,
                s403=S403,
                s404="No grant request with that reference (`not_found`).",
                s409="`grant_not_payable` (the request is not approved), `disbursement_exists` (one is "
                "under way or sent), `idempotency_conflict`, `idempotency_key_foreign`.",
                s422="`amount_not_approved`: a disbursement pays the whole approved amount.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_get(request)
        data = body_validate(s.ProposeInput, request)
        amount = None
        if "amount" in data:
            grant = grant_request_payable_get(reference=data["grant_request"])
            amount = to_minor(data["amount"], grant.currency)
        disbursement, created = disbursement_propose(
            grant_reference=data["grant_request"],
            rail=data["rail"],
            amount=amount,
            proposed_by=cast(User, request.user),
            idempotency_key=key,
        )
        return _out(disbursement, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=[TAG])
class DisbursementDetailView(APIView):
    """One disbursement, by its reference."""

    permission_classes = (PayoutAccess,)

    @extend_schema(responses={200: s.DisbursementOutput, **problems(*READ_PROBLEMS, 404, s404=S404)})
    def get(self, request: Request, reference: str) -> Response:
        return Response(s.DisbursementOutput(disbursement_get(reference=reference)).data)


@extend_schema(tags=[TAG])
class DisbursementApproveView(APIView):
    """A second, distinct treasurer approves a proposed disbursement; it can then be sent."""

    permission_classes = (PayoutAccess,)

    @extend_schema(
        request=None,
        responses={
            200: s.DisbursementOutput,
            **problems(
                *WRITE_PROBLEMS,
                404,
                409,
                s403=S403,
                s404=S404,
                s409="`already_approved` (by you), `invalid_transition` (not awaiting approval).",
            ),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        return _out(disbursement_approve(reference=reference, approver=cast(User, request.user)))


@extend_schema(tags=[TAG])
class DisbursementSendView(APIView):
    """Record that the money went out on its rail: grants payable / bank in the books; the grant is paid.

    The fund's bank balance in the payout's currency must cover it. The same
    `Idempotency-Key` with the same `rail_reference` returns the disbursement
    again (200) and writes nothing.
    """

    permission_classes = (PayoutAccess,)

    @extend_schema(
        request=s.SendInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: s.DisbursementOutput,
            201: s.DisbursementOutput,
            **problems(
                *WRITE_PROBLEMS,
                404,
                409,
                s403=S403,
                s404=S404,
                s409="`second_approval_required` (above the threshold, not yet approved by a second "
                "treasurer), `fund_overdrawn` (the fund's bank balance does not cover it; nothing written), "
                "`payout_limit_reached` (today's payouts in its currency would pass the organisation's "
                "or the fund's daily limit; nothing written), "
                "`invalid_transition`, `idempotency_conflict`, `idempotency_key_foreign`, `period_closed`.",
            ),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        key = idempotency_key_get(request)
        data = body_validate(s.SendInput, request)
        disbursement, sent = disbursement_send(
            reference=reference,
            sent_by=cast(User, request.user),
            rail_reference=data["rail_reference"],
            idempotency_key=key,
        )
        return _out(disbursement, status.HTTP_201_CREATED if sent else status.HTTP_200_OK)


@extend_schema(tags=[TAG])
class DisbursementFailView(APIView):
    """Sent money came back: its entry is reversed, never edited, and the grant request is approved again.

    A new disbursement can then pay it. The same `Idempotency-Key` replays (200).
    """

    permission_classes = (PayoutAccess,)

    @extend_schema(
        request=s.FailInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: s.DisbursementOutput,
            201: s.DisbursementOutput,
            **problems(
                *WRITE_PROBLEMS,
                404,
                409,
                s404=S404,
                s409="`invalid_transition` (not sent, or the grant request was closed since), "
                "`idempotency_conflict`, `idempotency_key_foreign`, `already_reversed`, `period_closed`.",
            ),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        key = idempotency_key_get(request)
        data = body_validate(s.FailInput, request)
        disbursement, failed = disbursement_fail(
            reference=reference,
            failed_by=cast(User, request.user),
            reason=data["reason"],
            idempotency_key=key,
        )
        return _out(disbursement, status.HTTP_201_CREATED if failed else status.HTTP_200_OK)


@extend_schema(tags=[TAG])
class DisbursementCancelView(APIView):
    """Withdraw a disbursement not yet sent; nothing was posted, so nothing is reversed."""

    permission_classes = (PayoutAccess,)

    @extend_schema(
        request=None,
        responses={
            200: s.DisbursementOutput,
            **problems(*WRITE_PROBLEMS, 404, 409, s404=S404, s409="`invalid_transition` (already sent)."),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        return _out(disbursement_cancel(reference=reference, cancelled_by=cast(User, request.user)))
