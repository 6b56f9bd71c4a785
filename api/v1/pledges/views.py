"""Campaigns (public), pledges (anyone gives; donors see and cancel their own), contributions (treasurers)."""

import uuid
from typing import Any, cast

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from api.idempotency import idempotency_key_get
from api.permissions import Anyone, CampaignAccess, ContributionAccess, DonorAccess, PledgeAccess
from api.schema import IDEMPOTENCY_KEY, READ_PROBLEMS, WRITE_PROBLEMS, problems
from api.v1.pledges import donor_serializers as ds
from api.v1.pledges import serializers as s
from api.validation import body_validate
from ledger.api import to_minor
from pledges.models import Campaign, Contribution, Pledge, Receipt
from pledges.selectors import (
    campaign_list,
    campaign_progress,
    contribution_list,
    contribution_unmatched_list,
    pledge_list_for_donor,
    receipt_undelivered_list,
)
from pledges.services import (
    campaign_create,
    contribution_match,
    contribution_record,
    contribution_refund_record,
    pledge_cancel,
    pledge_checkout_start,
    pledge_donor_erase,
    pledge_give,
    receipt_email_retry,
    refund_request,
)
from pledges.services.pledges import pledge_get_for_donor
from users.models import User
from users.roles import Role
from users.selectors import user_has_role

TAG = "pledges"

PLEDGE_PROBLEMS = problems(
    400,
    401,
    403,
    404,
    406,
    409,
    415,
    422,
    429,
    503,
    s400="`validation_error`, `invalid_amount`, `invalid_currency`, `amount_above_maximum`.",
    s401="A token was sent and is not valid (`authentication_failed`); send none to give anonymously.",
    s403="A signed-in session without its CSRF token (`permission_denied`).",
    s404="No such campaign (`not_found`).",
    s409="`campaign_closed`: the campaign does not take pledges today.",
    s422="`card_payments_not_configured`: give by bank transfer instead.",
    s503="`payment_provider_unavailable`: Stripe could not be reached; nothing was charged.",
)


@extend_schema(tags=[TAG])
class CampaignListCreateView(generics.ListAPIView):
    """Campaigns with their goal and progress: raised per currency (from the ledger) and donors.

    Admins create campaigns; each gets its own fund in the books (restricted unless said otherwise).
    """

    permission_classes = (CampaignAccess,)
    serializer_class = s.CampaignOutput
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Campaign]:
        return campaign_list()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        campaigns = list(page if page is not None else self.get_queryset())
        serializer = s.CampaignOutput(
            campaigns, many=True, context={"progress": campaign_progress(campaigns)}
        )
        return self.get_paginated_response(serializer.data) if page is not None else Response(serializer.data)

    @extend_schema(responses={200: s.CampaignOutput(many=True), **problems(400, 404, 406)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.CampaignCreateInput,
        responses={
            201: s.CampaignOutput,
            **problems(*WRITE_PROBLEMS, 409, s409="`campaign_exists`: the slug is taken."),
        },
    )
    def post(self, request: Request) -> Response:
        data = body_validate(s.CampaignCreateInput, request)
        campaign = campaign_create(
            slug=data["slug"],
            title=data["title"],
            description=data["description"],
            goal_amount=to_minor(data["goal"], data["goal_currency"]),
            goal_currency=data["goal_currency"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            restricted=data["restricted"],
        )
        output = s.CampaignOutput(campaign, context={"progress": campaign_progress([campaign])})
        return Response(output.data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class CampaignDetailView(APIView):
    """One campaign and its progress."""

    permission_classes = (Anyone,)
    authentication_classes = ()

    @extend_schema(responses={200: s.CampaignOutput, **problems(404, 406)})
    def get(self, request: Request, slug: str) -> Response:
        campaign = get_object_or_404(campaign_list(), slug=slug)
        return Response(s.CampaignOutput(campaign, context={"progress": campaign_progress([campaign])}).data)


@extend_schema(tags=[TAG])
class PledgeListCreateView(generics.ListAPIView):
    """Donors list their own pledges; anyone pledges, once or monthly, without an account or a name.

    A card pledge answers with Stripe Checkout's `checkout_url` (a payment, or a
    monthly subscription); a bank-transfer pledge with the account to pay into
    and a unique `reference` to quote. Signed in as a donor, the pledge is
    yours to follow and cancel; without an account, the answer's `manage_code`
    (shown once) cancels it or erases its e-mail. Pledging is throttled per address.
    """

    permission_classes = (PledgeAccess,)
    serializer_class = s.PledgeOutput
    filter_backends = ()
    throttle_scope = "pledges-create"

    def get_throttles(self) -> list[BaseThrottle]:
        """Only giving is throttled: a donor reading their pledges is not who floods the endpoint."""
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    def get_queryset(self) -> QuerySet[Pledge]:
        return pledge_list_for_donor(donor=self.request.user)  # type: ignore[arg-type]

    @extend_schema(responses={200: s.PledgeOutput(many=True), **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.PledgeCreateInput, responses={201: ds.NewPledgeOutput, **PLEDGE_PROBLEMS})
    def post(self, request: Request) -> Response:
        data = body_validate(s.PledgeCreateInput, request)
        donor = cast(User, request.user) if user_has_role(request.user, Role.DONOR.value) else None
        given = pledge_give(
            campaign_slug=data["campaign"],
            amount=to_minor(data["amount"], data["currency"]),
            currency=data["currency"],
            frequency=data["frequency"],
            method=data["method"],
            donor=donor,
            email=data.get("email"),
        )
        pledge = pledge_checkout_start(pledge=given.pledge)
        output = ds.NewPledgeOutput(pledge, context={"manage_code": given.manage_code})
        return Response(output.data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class PledgeDetailView(APIView):
    """One of the signed-in donor's pledges, with what they gave against it and what came back."""

    permission_classes = (DonorAccess,)

    @extend_schema(responses={200: s.PledgeDetailOutput, **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        pledge = pledge_get_for_donor(public_id=pk, donor=cast(User, request.user))
        return Response(s.PledgeDetailOutput(pledge).data)


@extend_schema(tags=[TAG])
class PledgeCancelView(APIView):
    """Cancel one of the signed-in donor's monthly pledges; its Stripe subscription is cancelled too."""

    permission_classes = (DonorAccess,)

    @extend_schema(
        request=None,
        responses={
            200: s.PledgeOutput,
            **problems(
                *WRITE_PROBLEMS,
                404,
                409,
                503,
                s409="`pledge_not_cancellable`: only a pending or active monthly pledge.",
                s503="`payment_provider_unavailable`: Stripe could not be reached; nothing changed.",
            ),
        },
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        return Response(s.PledgeOutput(pledge_cancel(public_id=pk, donor=cast(User, request.user))).data)


@extend_schema(tags=[TAG])
class PledgeEraseView(APIView):
    """Erase what identifies you as the donor of this pledge (the e-mail kept for receipts).

    The vault shreds the key it was sealed with; the pledge and its money stay in
    the books under the pledge's random reference.
    """

    permission_classes = (DonorAccess,)

    @extend_schema(request=None, responses={200: s.PledgeOutput, **problems(*WRITE_PROBLEMS, 404)})
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        return Response(s.PledgeOutput(pledge_donor_erase(public_id=pk, donor=cast(User, request.user))).data)


@extend_schema(tags=[TAG])
class ContributionListCreateView(generics.ListAPIView):
    """Contributions received, newest first; treasurers record bank transfers and cash.

    A recorded contribution whose `reference` is a pledge's is matched to that
    pledge (in the pledge's currency only). Money whose reference matches no
    pledge is booked at once to the campaign named and waits in
    `contributions/unmatched/` until a treasurer matches it. The same
    `Idempotency-Key` again returns the first contribution (200).
    """

    permission_classes = (ContributionAccess,)
    serializer_class = s.ContributionOutput
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Contribution]:
        return contribution_list()

    @extend_schema(responses={200: s.ContributionOutput(many=True), **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.ContributionRecordInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: s.ContributionOutput,
            201: s.ContributionOutput,
            **problems(
                *WRITE_PROBLEMS,
                404,
                409,
                422,
                s404="No campaign with that slug (`not_found`).",
                s409="`idempotency_conflict` (the key was used for other terms), `idempotency_key_foreign` "
                "(by another user), `period_closed`.",
                s422="`pledge_currency_differs`: the reference is a pledge in another currency; "
                "`unknown_reference`: the chart has no bank account in that currency.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_get(request)
        data = body_validate(s.ContributionRecordInput, request)
        contribution, created = contribution_record(
            idempotency_key=key,
            method=data["method"],
            amount=to_minor(data["amount"], data["currency"]),
            currency=data["currency"],
            received_on=data["received_on"],
            reference=data["reference"],
            campaign_slug=data.get("campaign"),
            recorded_by=request.user,  # type: ignore[arg-type]
        )
        contribution = get_object_or_404(contribution_list(), pk=contribution.pk)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.ContributionOutput(contribution).data, status=code)


@extend_schema(tags=[TAG])
class ContributionRefundView(APIView):
    """Give (part of) a card contribution back through Stripe; the refund is booked as a new entry.

    The same `Idempotency-Key` again returns the first request (200) and asks Stripe nothing new;
    with another contribution or amount, or from another user, it is a 409.
    """

    permission_classes = (ContributionAccess,)

    @extend_schema(
        request=s.RefundRequestInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: s.RefundRequestOutput,
            201: s.RefundRequestOutput,
            **problems(
                *WRITE_PROBLEMS,
                404,
                409,
                422,
                503,
                s409="`refund_not_possible` (not a card payment, or more than is left), `period_closed`, "
                "`idempotency_conflict` (the key was used for another refund), `idempotency_key_foreign` "
                "(by another user).",
                s422="`card_payments_not_configured`.",
                s503="`payment_provider_unavailable`: Stripe could not be reached; retry with the same key.",
            ),
        },
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        key = idempotency_key_get(request)
        data = body_validate(s.RefundRequestInput, request)
        contribution = get_object_or_404(contribution_list(), public_id=pk)
        amount = to_minor(data["amount"], contribution.presentment_currency) if "amount" in data else None
        refund, created = refund_request(
            contribution_id=pk, amount=amount, requested_by=cast(User, request.user), idempotency_key=key
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.RefundRequestOutput(refund).data, status=code)


@extend_schema(tags=[TAG])
class ContributionUnmatchedListView(generics.ListAPIView):
    """Bank and cash money received without a pledge's reference and not matched to a pledge since.

    Each is already in the books, in the fund of the campaign the treasurer named.
    """

    permission_classes = (ContributionAccess,)
    serializer_class = s.ContributionOutput
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Contribution]:
        return contribution_unmatched_list()

    @extend_schema(responses={200: s.ContributionOutput(many=True), **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=[TAG])
class ContributionMatchView(APIView):
    """Match unmatched bank or cash money to the pledge it was for, by the pledge's reference.

    The pledge is fulfilled (once) or active (monthly). When the pledge's
    campaign has another fund, what is left of the money moves there in a new
    entry (`reclassification_entry`); nothing in the books is edited. A match is
    made once and never changed.
    """

    permission_classes = (ContributionAccess,)

    @extend_schema(
        request=s.ContributionMatchInput,
        responses={
            200: s.ContributionOutput,
            **problems(
                *WRITE_PROBLEMS,
                404,
                409,
                422,
                s404="No such contribution (`not_found`).",
                s409="`contribution_already_matched`; `contribution_not_matchable` (a card payment); "
                "`insufficient_funds` (the money has left the first fund's bank); `period_closed`.",
                s422="`unknown_pledge_reference`; `pledge_currency_differs`.",
            ),
        },
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        data = body_validate(s.ContributionMatchInput, request)
        contribution_match(
            contribution_id=pk, reference=data["reference"], matched_by=cast(User, request.user)
        )
        return Response(s.ContributionOutput(get_object_or_404(contribution_list(), public_id=pk)).data)


@extend_schema(tags=[TAG])
class ContributionBankRefundView(APIView):
    """Record (part of) a bank or cash contribution given back: donations income / bank, in its fund.

    Never more than what is left of it, even when two refunds arrive at once.
    The same `Idempotency-Key` again returns the first refund (200); with another
    contribution or amount, or from another user, it is a 409.
    """

    permission_classes = (ContributionAccess,)

    @extend_schema(
        request=s.BankRefundInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: s.BankRefundOutput,
            201: s.BankRefundOutput,
            **problems(
                *WRITE_PROBLEMS,
                404,
                409,
                s404="No such contribution (`not_found`).",
                s409="`refund_not_possible` (a card payment, or more than is left); `idempotency_conflict`; "
                "`idempotency_key_foreign`; `insufficient_funds`; `period_closed`.",
            ),
        },
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        key = idempotency_key_get(request)
        data = body_validate(s.BankRefundInput, request)
        contribution = get_object_or_404(contribution_list(), public_id=pk)
        amount = to_minor(data["amount"], contribution.currency) if "amount" in data else None
        refund, created = contribution_refund_record(
            contribution_id=pk,
            amount=amount,
            refunded_on=data.get("refunded_on") or timezone.localdate(),
            idempotency_key=key,
            recorded_by=cast(User, request.user),
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.BankRefundOutput(refund).data, status=code)


@extend_schema(tags=[TAG])
class UndeliveredReceiptListView(generics.ListAPIView):
    """Receipts whose e-mail failed and has not gone out since, oldest first.

    The periodic task tries each again until `RECEIPT_EMAIL_MAX_ATTEMPTS`
    failures, then gives it up (`gave_up`). Shows no address and no name.
    """

    permission_classes = (ContributionAccess,)
    serializer_class = s.UndeliveredReceiptOutput
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Receipt]:
        return receipt_undelivered_list()

    @extend_schema(responses={200: s.UndeliveredReceiptOutput(many=True), **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=[TAG])
class ReceiptResendView(APIView):
    """E-mail a receipt again now, its attempts counted afresh (after a mail outage is fixed, say).

    Answers the receipt as it stands after the attempt: `sent`, or still
    `pending` with the new failure in `email_error` (the periodic task goes on
    trying it).
    """

    permission_classes = (ContributionAccess,)

    @extend_schema(
        request=None,
        responses={
            200: s.UndeliveredReceiptOutput,
            **problems(
                *WRITE_PROBLEMS,
                404,
                409,
                s404="No such receipt (`not_found`).",
                s409="`receipt_not_undelivered`: it was sent already, or has no address to go to.",
            ),
        },
    )
    def post(self, request: Request, number: str) -> Response:
        return Response(s.UndeliveredReceiptOutput(receipt_email_retry(number=number)).data)
