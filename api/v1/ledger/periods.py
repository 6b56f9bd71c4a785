"""Closed-period endpoints: ledger readers list them; admins close a period, for good."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.permissions import LedgerSetup
from api.schema import READ_PROBLEMS, WRITE_PROBLEMS, problems
from api.v1.ledger import serializers as s
from api.validation import body_validate
from ledger.models import ClosedPeriod
from ledger.services import period_close

TAG = "ledger"


@extend_schema(tags=[TAG])
@extend_schema_view(
    get=extend_schema(
        description="Closed accounting periods, earliest first. No entry may be dated inside one.",
        responses={200: s.ClosedPeriodOutput(many=True), **problems(*READ_PROBLEMS, 404)},
    ),
    post=extend_schema(
        description="Close a period: from then on no entry may be dated from `start_date` to "
        "`end_date`, both included. A closed period can never be reopened, changed or deleted, so "
        "only a period that has ended can be closed. Closing waits for postings in flight to "
        "commit. Periods never overlap: a retried request is refused with 409 `period_overlap` "
        "and cannot close anything twice.",
        request=s.PeriodCloseInput,
        responses={
            201: OpenApiResponse(s.ClosedPeriodOutput, description="Closed."),
            **problems(
                *WRITE_PROBLEMS,
                409,
                s400="`validation_error` (`end_date` before `start_date` or after today), `parse_error`.",
                s409="`period_overlap`: the period overlaps a closed one.",
            ),
        },
    ),
)
class ClosedPeriodListCreateView(generics.ListAPIView):
    """Closed accounting periods; admins close more."""

    permission_classes = (LedgerSetup,)
    serializer_class = s.ClosedPeriodOutput
    filter_backends = ()

    def get_queryset(self) -> QuerySet[ClosedPeriod]:
        # ledger.selectors has no reader for periods yet; this is a plain read of one table.
        return ClosedPeriod.objects.order_by("start_date", "id")

    def post(self, request: Request) -> Response:
        data = body_validate(s.PeriodCloseInput, request)
        period = period_close(
            start_date=data["start_date"], end_date=data["end_date"], closed_by_id=request.user.pk
        )
        return Response(s.ClosedPeriodOutput(period).data, status=status.HTTP_201_CREATED)
