"""Grant endpoints of reviewers (assigned requests only), admins (assignment) and treasurers (closing)."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.language import ReaderLanguageMixin
from api.permissions import GrantAssignAccess, GrantCloseAccess, GrantReviewAccess
from api.schema import WRITE_PROBLEMS, problems
from api.v1.grants import serializers as s
from api.validation import body_validate
from grants import exceptions, services

TAG = "grants"

DECISION_PROBLEMS = problems(
    *WRITE_PROBLEMS,
    404,
    409,
    422,
    s404="No such request assigned to you (`not_found`).",
    s409="`invalid_transition` (not under review), `appeal_needs_another_reviewer`, `fund_short` (the "
    "fund's uncommitted money is less than the amount), `category_cap_reached`.",
    s422="`above_requested`, `above_fund_maximum`, `currency_not_paid`.",
    s400="Invalid request (`validation_error`, `invalid_amount`, `rate_required`: a request in another "
    "currency than the fund's needs `rate` and `rate_source`).",
)


@extend_schema(tags=[TAG])
class AssignmentCreateView(ReaderLanguageMixin, APIView):
    """Assign a reviewer to a request; a submitted request goes into review."""

    permission_classes = (GrantAssignAccess,)

    @extend_schema(
        request=s.AssignInput,
        responses={
            201: s.AssignmentOutput,
            **problems(
                *WRITE_PROBLEMS,
                404,
                409,
                s409="`invalid_transition` (the request takes no reviewers now), `conflict_of_interest`, "
                "`appeal_needs_another_reviewer`.",
            ),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        data = body_validate(s.AssignInput, request)
        reviewer = get_user_model().objects.filter(pk=data["reviewer"], is_active=True).first()
        if reviewer is None:
            raise exceptions.NotAReviewer()
        assignment = services.reviewer_assign(
            reference=reference, reviewer=reviewer, assigned_by=request.user
        )
        return Response(s.AssignmentOutput(assignment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class ConflictDeclareView(ReaderLanguageMixin, APIView):
    """Declare a conflict of interest with an assigned request: you are unassigned for good."""

    permission_classes = (GrantReviewAccess,)

    @extend_schema(request=None, responses={204: None, **problems(*WRITE_PROBLEMS, 404)})
    def post(self, request: Request, reference: str) -> Response:
        services.conflict_declare(reference=reference, reviewer=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=[TAG])
class ReviewRecordView(ReaderLanguageMixin, APIView):
    """Record or revise your score (1 to 5) and recommendation on an assigned request."""

    permission_classes = (GrantReviewAccess,)

    @extend_schema(
        request=s.ReviewInput,
        responses={200: s.ReviewOutput, **problems(*WRITE_PROBLEMS, 404, 409, s409="`invalid_transition`.")},
    )
    def put(self, request: Request, reference: str) -> Response:
        data = body_validate(s.ReviewInput, request)
        review = services.review_record(
            reference=reference,
            reviewer=request.user,
            score=data["score"],
            recommendation=data["recommendation"],
        )
        return Response(s.ReviewOutput(review).data)


@extend_schema(tags=[TAG])
class ApproveView(ReaderLanguageMixin, APIView):
    """Approve all or part of an assigned request; the amount is committed in the books at once."""

    permission_classes = (GrantReviewAccess,)

    @extend_schema(request=s.ApproveInput, responses={200: s.GrantRequestOutput, **DECISION_PROBLEMS})
    def post(self, request: Request, reference: str) -> Response:
        data = body_validate(s.ApproveInput, request)
        current = services.access_request_as_reviewer_unlocked(reference=reference, reviewer=request.user)
        approved = services.grant_request_approve(
            reference=reference,
            reviewer=request.user,
            amount=services.check_amount(data["amount"], current.currency),
            rate=Decimal(data["rate"]) if "rate" in data else None,
            rate_source=data.get("rate_source", ""),
        )
        return Response(s.GrantRequestOutput(approved).data)


@extend_schema(tags=[TAG])
class DeclineView(ReaderLanguageMixin, APIView):
    """Decline an assigned request with a reason category."""

    permission_classes = (GrantReviewAccess,)

    @extend_schema(request=s.DeclineInput, responses={200: s.GrantRequestOutput, **DECISION_PROBLEMS})
    def post(self, request: Request, reference: str) -> Response:
        data = body_validate(s.DeclineInput, request)
        declined = services.grant_request_decline(
            reference=reference, reviewer=request.user, reason=data["reason"]
        )
        return Response(s.GrantRequestOutput(declined).data)


@extend_schema(tags=[TAG])
class CloseView(ReaderLanguageMixin, APIView):
    """Close a paid, withdrawn or finally declined request; the retention period starts."""

    permission_classes = (GrantCloseAccess,)

    @extend_schema(
        request=None,
        responses={
            200: s.GrantRequestOutput,
            **problems(*WRITE_PROBLEMS, 404, 409, s409="`invalid_transition`."),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        return Response(s.GrantRequestOutput(services.grant_request_close(reference=reference)).data)
