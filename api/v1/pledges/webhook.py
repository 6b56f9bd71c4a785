"""Stripe's webhook: the signature is the credential; each event is stored once and handled."""

from django.core.exceptions import RequestDataTooBig
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exceptions import PROBLEM_CONTENT_TYPE, domain_error_status, problem
from api.permissions import Anyone
from api.schema import problems
from api.v1.pledges import serializers as s
from pledges.exceptions import EventHandlingFailed, WebhookPayloadInvalid
from pledges.models import EventStatus
from pledges.services import stripe_event_receive, webhook_event_verify

STRIPE_SIGNATURE = OpenApiParameter(
    name="Stripe-Signature",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description="`t=<unix time>,v1=<HMAC-SHA256 of '<t>.<body>' under the endpoint secret>`.",
)


class RawBodyParser(BaseParser):
    """Any body: the signature covers the exact bytes, so the view reads `request.body` itself."""

    media_type = "*/*"


@extend_schema(tags=["stripe"])
class StripeWebhookView(APIView):
    """Stripe's events. A missing, wrong, stale or future (over 300 s) signature is a 400; nothing is written.

    Each event id is handled once; a repeat answers 200 with the first outcome.
    A handler that fails answers 503, so Stripe sends the event again; the
    event stays stored and `manage.py replay_stripe_events` can run it too.
    """

    permission_classes = (Anyone,)
    authentication_classes = ()
    parser_classes = (RawBodyParser,)

    @extend_schema(
        request=s.StripeEventInput,
        parameters=[STRIPE_SIGNATURE],
        responses={
            200: s.WebhookAckOutput,
            **problems(
                400,
                406,
                503,
                s400="`invalid_signature`, `invalid_payload`: nothing was written.",
                s503="`event_handling_failed`: stored, to be handled again.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            body = request._request.body
        except RequestDataTooBig:
            raise WebhookPayloadInvalid("The body is larger than any Stripe event.") from None
        event = webhook_event_verify(payload=body, signature=request.headers.get("Stripe-Signature"))
        row = stripe_event_receive(event=event)
        if row.status == EventStatus.FAILED:
            failure = EventHandlingFailed()
            status = domain_error_status(failure)
            document = problem(
                status=status, code=failure.code, title="Event handling failed", detail=failure.detail
            )
            return Response(document, status=status, content_type=PROBLEM_CONTENT_TYPE)
        return Response({"event": row.event_id, "status": row.status})
