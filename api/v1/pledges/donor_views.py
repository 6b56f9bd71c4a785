"""Donors' own endpoints (sign-up, profile, what they gave, receipts, erasure), manage codes, supporters."""

from typing import Any, cast

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.permissions import Anyone, AnyoneMay, DonorAccess
from api.schema import READ_PROBLEMS, WRITE_PROBLEMS, problems
from api.v1.pledges import donor_serializers as ds
from api.v1.pledges import serializers as s
from api.validation import body_validate
from pledges.documents import receipt_language, receipt_pdf
from pledges.models import Contribution, DonorProfile, Pledge, Receipt
from pledges.selectors import (
    campaign_list,
    contribution_list_for_donor,
    pledge_get_by_manage_code,
    pledge_list_for_donor,
    receipt_get_for_donor,
    receipt_list_for_donor,
)
from pledges.services import (
    ProfileView,
    donor_account_close,
    donor_erase,
    donor_profile_open,
    donor_profile_update,
    donor_register,
    pledge_cancel_by_manage_code,
    pledge_erase_by_manage_code,
)
from pledges.services.profiles import campaign_supporters_open
from users.models import User
from users.services import token_issue

TAG = "donors"
PROFILE_FIELDS = ("country", "language", "currency", "show_name", "display_name", "email")


def _profile_changes(data: dict[str, Any]) -> dict[str, Any]:
    return {field: data[field] for field in PROFILE_FIELDS if field in data}


def _profile_out(donor: User) -> Response:
    view = donor_profile_open(donor=donor)
    if view is None:  # an account made before profiles: the defaults, kept on the first change
        view = ProfileView(profile=DonorProfile(user=donor), display_name=None, email=None)
    return Response(ds.DonorProfileOutput(view).data)


@extend_schema(tags=[TAG])
class DonorRegisterView(APIView):
    """Open a donor account: a username (a pseudonym will do) and a password. No e-mail, no name.

    Everything else is optional: country, language and currency, a display name
    (shown only with `show_name`) and an e-mail for receipts, both encrypted at once.
    """

    permission_classes = (AnyoneMay,)
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "donors-register"

    @extend_schema(
        request=ds.DonorRegisterInput,
        responses={
            201: ds.DonorRegisterOutput,
            **problems(
                400,
                406,
                409,
                415,
                429,
                s400="`validation_error`, `invalid_donor_profile` (a weak password, an unknown country...).",
                s409="The username is taken (`username_taken`).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = body_validate(ds.DonorRegisterInput, request)
        user = donor_register(
            username=data["username"], password=data["password"], profile=_profile_changes(data)
        )
        issued = token_issue(user=user)
        document = {"username": user.get_username(), "token": issued.key, "expiry": issued.expiry}
        return Response(ds.DonorRegisterOutput(document).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class DonorProfileView(APIView):
    """Your donor profile. Reading it opens your name and e-mail for you, which the vault logs."""

    permission_classes = (DonorAccess,)

    @extend_schema(responses={200: ds.DonorProfileOutput, **problems(*READ_PROBLEMS)})
    def get(self, request: Request) -> Response:
        return _profile_out(cast(User, request.user))

    @extend_schema(
        request=ds.ProfileFields,
        responses={
            200: ds.DonorProfileOutput,
            **problems(
                *WRITE_PROBLEMS,
                s400="`validation_error`, `invalid_donor_profile` (e.g. `show_name` without a display name).",
            ),
        },
    )
    def patch(self, request: Request) -> Response:
        data = body_validate(ds.ProfileFields, request)
        donor_profile_update(donor=cast(User, request.user), changes=_profile_changes(data))
        return _profile_out(cast(User, request.user))


@extend_schema(tags=[TAG])
class MyPledgeListView(generics.ListAPIView):
    """Your pledges, newest first."""

    permission_classes = (DonorAccess,)
    serializer_class = s.PledgeOutput
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Pledge]:
        return pledge_list_for_donor(donor=cast(User, self.request.user))

    @extend_schema(responses={200: s.PledgeOutput(many=True), **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=[TAG])
class MyContributionListView(generics.ListAPIView):
    """What you gave through your pledges, newest first: what you paid, and what of it came back."""

    permission_classes = (DonorAccess,)
    serializer_class = ds.MyContributionOutput
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Contribution]:
        return contribution_list_for_donor(donor=cast(User, self.request.user))

    @extend_schema(responses={200: ds.MyContributionOutput(many=True), **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=[TAG])
class MyReceiptListView(generics.ListAPIView):
    """Your receipts, one per contribution, newest first."""

    permission_classes = (DonorAccess,)
    serializer_class = ds.ReceiptOutput
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Receipt]:
        return receipt_list_for_donor(donor=cast(User, self.request.user)).select_related("contribution")

    @extend_schema(responses={200: ds.ReceiptOutput(many=True), **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=[TAG])
class MyReceiptDetailView(APIView):
    """One of your receipts; anyone else's is a 404."""

    permission_classes = (DonorAccess,)

    @extend_schema(responses={200: ds.ReceiptOutput, **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, number: str) -> Response:
        return Response(
            ds.ReceiptOutput(receipt_get_for_donor(donor=cast(User, request.user), number=number)).data
        )


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        return data


@extend_schema(tags=[TAG])
class MyReceiptPDFView(APIView):
    """One of your receipts as a PDF, in your preferred language. It names no one."""

    permission_classes = (DonorAccess,)
    renderer_classes = (PDFRenderer,)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The receipt."),
            **problems(*READ_PROBLEMS, 404),
        }
    )
    def get(self, request: Request, number: str) -> Response:
        receipt = receipt_get_for_donor(donor=cast(User, request.user), number=number)
        pdf = receipt_pdf(receipt, receipt_language(receipt))
        return Response(
            pdf,
            content_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="receipt-{receipt.number}.pdf"'},
        )


@extend_schema(tags=[TAG])
class DonorEraseView(APIView):
    """Erase what identifies you: your display name, your e-mail, and every e-mail kept with your pledges.

    The vault shreds the keys they were sealed with: nobody can read them again.
    Your pledges, contributions and receipts stay in the books under their random
    references, and totals do not change. You may set a new name or e-mail later.
    """

    permission_classes = (DonorAccess,)

    @extend_schema(request=None, responses={200: ds.DonorEraseOutput, **problems(*WRITE_PROBLEMS)})
    def post(self, request: Request) -> Response:
        donor = cast(User, request.user)
        donor_erase(donor=donor)
        document = {"erased": True, "pledges": pledge_list_for_donor(donor=donor).count()}
        return Response(ds.DonorEraseOutput(document).data)


@extend_schema(tags=[TAG])
class DonorCloseView(APIView):
    """Close your account for good: everything `erase` does, then the account itself.

    Your username is replaced by a random one, your password and every token stop
    working, and nobody can sign in as you again. Your pledges, contributions and
    receipts stay in the books under their random references. Cancel your monthly
    pledges first (409 `monthly_pledge_running` until you do).
    """

    permission_classes = (DonorAccess,)

    @extend_schema(
        request=None,
        responses={
            200: ds.DonorEraseOutput,
            **problems(*WRITE_PROBLEMS, 409, s409="`monthly_pledge_running`: cancel it first."),
        },
    )
    def post(self, request: Request) -> Response:
        pledges = donor_account_close(donor=cast(User, request.user))
        return Response(ds.DonorEraseOutput({"erased": True, "pledges": pledges}).data)


# --- pledges given without an account, managed with their code ------------------------------------


class _ManageView(APIView):
    permission_classes = (AnyoneMay,)
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "pledges-manage"


MANAGE_PROBLEMS = problems(
    400, 404, 406, 415, 429, s404="No pledge has this manage code (`manage_code_invalid`); nothing changed."
)


@extend_schema(tags=[TAG])
class ManageStatusView(_ManageView):
    """See a pledge given without an account, with its manage code (in the body, never in the address)."""

    @extend_schema(request=ds.ManageCodeInput, responses={200: s.PledgeOutput, **MANAGE_PROBLEMS})
    def post(self, request: Request) -> Response:
        data = body_validate(ds.ManageCodeInput, request)
        return Response(s.PledgeOutput(pledge_get_by_manage_code(code=data["manage_code"])).data)


@extend_schema(tags=[TAG])
class ManageCancelView(_ManageView):
    """Cancel a monthly pledge given without an account; its Stripe subscription is cancelled too."""

    @extend_schema(
        request=ds.ManageCodeInput,
        responses={
            200: s.PledgeOutput,
            **MANAGE_PROBLEMS,
            **problems(
                409,
                503,
                s409="`pledge_not_cancellable`: only a pending or active monthly pledge.",
                s503="`payment_provider_unavailable`: Stripe could not be reached; nothing changed.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = body_validate(ds.ManageCodeInput, request)
        return Response(s.PledgeOutput(pledge_cancel_by_manage_code(code=data["manage_code"])).data)


@extend_schema(tags=[TAG])
class ManageEraseView(_ManageView):
    """Erase the e-mail kept with a pledge given without an account; the pledge stays in the books."""

    @extend_schema(request=ds.ManageCodeInput, responses={200: s.PledgeOutput, **MANAGE_PROBLEMS})
    def post(self, request: Request) -> Response:
        data = body_validate(ds.ManageCodeInput, request)
        return Response(s.PledgeOutput(pledge_erase_by_manage_code(code=data["manage_code"])).data)


@extend_schema(tags=["pledges"])
class CampaignSupportersView(APIView):
    """Who gave to a campaign: the display names of donors who chose to be named, and how many others.

    Never an e-mail, never an amount or a date, nothing about a donor without an account.
    Throttled per address: every answer opens the named donors' names in the vault and logs it.
    """

    permission_classes = (Anyone,)
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "campaign-supporters"

    @extend_schema(responses={200: ds.SupportersOutput, **problems(404, 406, 429)})
    def get(self, request: Request, slug: str) -> Response:
        supporters = campaign_supporters_open(campaign=get_object_or_404(campaign_list(), slug=slug))
        return Response(ds.SupportersOutput(supporters).data)
