"""Fund endpoints: ledger readers list and read funds; admins create them."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import LedgerSetup
from api.schema import READ_PROBLEMS, WRITE_PROBLEMS, problems
from api.v1.ledger import serializers as s
from api.validation import body_validate
from ledger.models import Fund
from ledger.selectors import fund_list
from ledger.services import fund_create

TAG = "ledger"


@extend_schema(tags=[TAG])
@extend_schema_view(
    get=extend_schema(
        description="The general fund and every campaign's restricted fund, oldest first.",
        responses={200: s.FundOutput(many=True), **problems(*READ_PROBLEMS, 404)},
    ),
    post=extend_schema(
        description="Create a fund. Its `code` is unique and never changes; a code already in use "
        "is a 400 `validation_error` whose error has the code `unique` at `#/code`, so a retried "
        "request cannot create the fund twice.",
        request=s.FundCreateInput,
        responses={
            201: OpenApiResponse(s.FundOutput, description="Created."),
            **problems(
                *WRITE_PROBLEMS,
                s400="`validation_error`, `parse_error`; a code already in use is the error `unique` "
                "at `#/code`.",
            ),
        },
    ),
)
class FundListCreateView(generics.ListAPIView):
    """The general fund and every campaign's restricted fund; admins add more."""

    permission_classes = (LedgerSetup,)
    serializer_class = s.FundOutput
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Fund]:
        return fund_list()

    def post(self, request: Request) -> Response:
        fund = fund_create(**body_validate(s.FundCreateInput, request))
        return Response(s.FundOutput(fund).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class FundDetailView(APIView):
    """One fund."""

    permission_classes = (LedgerSetup,)

    @extend_schema(responses={200: s.FundOutput, **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.FundOutput(get_object_or_404(fund_list(), pk=pk)).data)
