"""Serializers of donors' own endpoints, manage codes and supporters; never another donor's data."""

from typing import Any

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import CURRENCY_PATTERN, FreeTextField, MoneyField
from api.serializers import StrictInput
from api.v1.pledges.serializers import PledgeOutput
from pledges.models import Contribution, Receipt, ReceiptEmail

LANGUAGES = [code for code, _name in settings.LANGUAGES]
# A choice error must not repeat what was sent.
_CHOICE_ERRORS: dict[str, Any] = {"invalid_choice": "Not one of the listed choices."}


class ProfileFields(StrictInput):
    country = serializers.CharField(
        min_length=2,
        max_length=2,
        required=False,
        allow_blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "A two-letter ISO 3166-1 code in capitals.")],
        help_text="ISO 3166-1 alpha-2, e.g. `DE`; blank to remove.",
    )
    language = serializers.ChoiceField(
        choices=LANGUAGES, required=False, error_messages=_CHOICE_ERRORS, help_text="For receipts."
    )
    currency = serializers.CharField(
        min_length=3,
        max_length=3,
        required=False,
        allow_blank=True,
        validators=[RegexValidator(CURRENCY_PATTERN, "A three-letter ISO 4217 code.")],
        help_text="ISO 4217, e.g. `EUR`; blank to remove.",
    )
    show_name = serializers.BooleanField(
        required=False, help_text="Whether campaigns you gave to may list your display name. Off by default."
    )
    display_name = FreeTextField(
        max_length=100,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Optional; encrypted at once, public only with `show_name`. Blank or null removes it.",
    )
    email = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Optional, for receipts: encrypted at once, not sent to Stripe. Blank or null removes it.",
    )


class DonorRegisterInput(ProfileFields):
    username = serializers.CharField(
        min_length=3,
        max_length=64,
        validators=[UnicodeUsernameValidator()],
        help_text="Any name you choose (a pseudonym will do). Letters, digits and @ . + - _ only.",
    )
    password = serializers.CharField(min_length=1, max_length=128, write_only=True, trim_whitespace=False)


class DonorRegisterOutput(serializers.Serializer):
    username = serializers.CharField()
    token = serializers.CharField(help_text="API token for `Authorization: Token <token>`; shown once.")
    expiry = serializers.DateTimeField(allow_null=True)


class DonorProfileOutput(serializers.Serializer):
    """Your own profile; the name and e-mail are opened for you, and the vault logs that it did."""

    country = serializers.CharField(source="profile.country")
    language = serializers.CharField(source="profile.language")
    currency = serializers.CharField(source="profile.currency")
    show_name = serializers.BooleanField(source="profile.show_name")
    display_name = serializers.CharField(allow_null=True)
    email = serializers.EmailField(allow_null=True)
    erased_at = serializers.DateTimeField(
        source="profile.erased_at", allow_null=True, help_text="When you last erased your name and e-mail."
    )


class DonorEraseOutput(serializers.Serializer):
    erased = serializers.BooleanField(help_text="Your name and e-mails can no longer be read by anyone.")
    pledges = serializers.IntegerField(
        help_text="Your pledges, which stay in the books under their references."
    )


class MyContributionOutput(serializers.ModelSerializer):
    """What you gave: the amount you paid, when, to which campaign, and what of it came back."""

    id = serializers.UUIDField(source="public_id")
    campaign = serializers.SlugField(source="campaign.slug")
    pledge = serializers.CharField(source="pledge.reference", help_text="Your pledge's reference.")
    amount = MoneyField(amount="presentment_amount", currency="presentment_currency")
    currency = serializers.CharField(source="presentment_currency")
    returned = serializers.SerializerMethodField(
        help_text="Refunded or disputed back, in the settlement currency (`settled_currency`)."
    )
    settled_currency = serializers.CharField(source="currency")

    class Meta:
        model = Contribution
        fields = (
            "id",
            "campaign",
            "pledge",
            "amount",
            "currency",
            "received_on",
            "returned",
            "settled_currency",
        )

    @extend_schema_field({"type": "string", "format": "decimal"})
    def get_returned(self, contribution: Contribution) -> str:
        from ledger.api import to_decimal_string

        return to_decimal_string(
            -sum(a.amount for a in contribution.adjustments.all()), contribution.currency
        )


class ReceiptOutput(serializers.ModelSerializer):
    campaign = serializers.SlugField(source="campaign.slug")
    pledge = serializers.CharField(source="pledge.reference")
    contribution = serializers.UUIDField(source="contribution.public_id")
    amount = MoneyField(amount="amount", help_text="What you paid, in the currency you paid in.")
    received_amount = MoneyField(
        amount="received_amount", currency="received_currency", help_text="What arrived, before fees."
    )
    email_status = serializers.ChoiceField(choices=ReceiptEmail.choices, error_messages=_CHOICE_ERRORS)

    class Meta:
        model = Receipt
        fields = (
            "number",
            "issued_on",
            "campaign",
            "pledge",
            "contribution",
            "amount",
            "currency",
            "received_amount",
            "received_currency",
            "email_status",
        )


class ManageCodeInput(StrictInput):
    manage_code = serializers.CharField(
        min_length=1, max_length=64, help_text="The code shown once when the pledge was made."
    )


class NewPledgeOutput(PledgeOutput):
    """A new pledge; `context["manage_code"]` is the code made with it, if any."""

    manage_code = serializers.SerializerMethodField(
        help_text="Given without an account: the one way to cancel the pledge or erase its e-mail later. "
        "Shown this once, never stored; keep it safe."
    )

    class Meta(PledgeOutput.Meta):
        fields = (*PledgeOutput.Meta.fields, "manage_code")

    @extend_schema_field({"type": "string", "nullable": True})
    def get_manage_code(self, pledge: object) -> str | None:
        return self.context.get("manage_code")


class SupportersOutput(serializers.Serializer):
    named = serializers.ListField(
        child=serializers.CharField(), help_text="Display names of donors who chose to be named, sorted."
    )
    others = serializers.IntegerField(help_text="Everyone else who gave, anonymous or unnamed.")
