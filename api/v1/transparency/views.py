"""Public transparency: money paid out by period, place and category, and the feed of paid grants.

Anyone may read them without signing in; both are throttled per address, as each
answer reads every paid grant. What is shown, and what never is, is decided in
reports/ (selectors and the suppression rule); these views only render it.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.pagination import DefaultPagination
from api.permissions import AnyoneThrottled
from api.schema import problems
from api.v1.transparency import serializers as s
from api.validation import query_validate
from reports.selectors import FeedItem, PeriodKind, transparency_feed, transparency_grants

TAG = "transparency"


@extend_schema(tags=[TAG])
class TransparencyGrantsView(APIView):
    """Money paid out per ended quarter or year, country and category, with small groups merged.

    Counts grant requests whose payout was sent and did not come back. A row describes at least
    `threshold` recipients: a smaller country group is merged into its region, a smaller region
    group into the period's "other" row (which takes the smallest row too if it is still small),
    and a quarter with fewer recipients in all is withheld. Totals are the sums of the rows.
    A period appears once it has ended.
    """

    permission_classes = (AnyoneThrottled,)
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "transparency"

    @extend_schema(parameters=[s.GrantsQuery], responses={200: s.GrantsOutput, **problems(400, 406, 429)})
    def get(self, request: Request) -> Response:
        period = PeriodKind(query_validate(s.GrantsQuery, request)["period"])
        return Response(s.GrantsOutput(transparency_grants(period=period), context={"period": period}).data)


@extend_schema(tags=[TAG])
class TransparencyFeedView(generics.ListAPIView):
    """Paid grants, newest period first: a random id, category, coarse region, amount and period.

    Never a name, a country, a date, a fund, a reference or free text. The period is the ISO week
    when at least `threshold` grants of the region were paid that week, else the month, the quarter
    or the year; a grant appears once that period has ended (the Monday after, for a month, quarter
    or year), so when it appeared says no more than its period.
    """

    permission_classes = (AnyoneThrottled,)
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "transparency"
    serializer_class = s.FeedItemOutput
    pagination_class = DefaultPagination
    filter_backends = ()

    def get_queryset(self) -> list[FeedItem]:  # type: ignore[override]
        return transparency_feed()

    @extend_schema(responses={200: s.FeedItemOutput(many=True), **problems(400, 404, 406, 429)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
