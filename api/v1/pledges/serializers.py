"""Small input and output serializers of campaigns, pledges and contributions; amounts are decimal strings."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import CURRENCY_PATTERN, FreeTextField, MoneyField
from ledger.api import FxQuote, to_decimal, to_decimal_string
from pledges.models import (
    Campaign,
    Contribution,
    ContributionAdjustment,
    Frequency,
    Method,
    Pledge,
    PledgeStatus,
    Receipt,
    ReceiptEmail,
    RecordedMethod,
    RefundRequest,
)
from pledges.selectors import CampaignProgress

POSITIVE_DECIMAL = r"^[0-9]+(\.[0-9]+)?$"


def _amount_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=24,
        validators=[RegexValidator(POSITIVE_DECIMAL, "A positive decimal string such as '25.00'.")],
        help_text="Decimal string in major units, e.g. `25.00`, with at most the currency's decimals.",
        **kwargs,
    )


def _currency_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        min_length=3,
        max_length=3,
        validators=[RegexValidator(CURRENCY_PATTERN, "A three-letter ISO 4217 code.")],
        help_text="ISO 4217 code, e.g. `EUR`, `MXN`, `JPY`.",
        **kwargs,
    )


# --- inputs -------------------------------------------------------------------


def _texts_field(max_length: int, **kwargs: Any) -> serializers.DictField:
    return serializers.DictField(
        child=FreeTextField(max_length=max_length),
        help_text="Per language code (" + ", ".join(code for code, _ in settings.LANGUAGES) + ").",
        **kwargs,
    )


class CampaignCreateInput(serializers.Serializer):
    """A campaign: its texts per language, a goal, and the dates it takes pledges."""

    slug = serializers.SlugField(max_length=55)
    title = _texts_field(200)
    description = _texts_field(5000, required=False, default=dict)
    goal = _amount_field()
    goal_currency = _currency_field()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    restricted = serializers.BooleanField(default=True, help_text="Whether its fund is restricted.")

    def _languages(self, texts: dict[str, str]) -> dict[str, str]:
        known = {code for code, _ in settings.LANGUAGES}
        unknown = sorted(set(texts) - known)
        if unknown:
            raise serializers.ValidationError(f"Unknown language codes: {', '.join(unknown)}.")
        return texts

    def validate_title(self, value: dict[str, str]) -> dict[str, str]:
        if "en" not in value:
            raise serializers.ValidationError("An English title (`en`) is required.")
        return self._languages(value)

    def validate_description(self, value: dict[str, str]) -> dict[str, str]:
        return self._languages(value)


class PledgeCreateInput(serializers.Serializer):
    """A pledge: nothing about the donor is asked for."""

    campaign = serializers.SlugField(max_length=64, help_text="The campaign's slug.")
    amount = _amount_field()
    currency = _currency_field()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    method = serializers.ChoiceField(choices=Method.choices)
    email = serializers.EmailField(
        required=False,
        max_length=254,
        help_text="Optional, for our receipts: encrypted at once, never sent to Stripe, never shown again.",
    )


class ContributionRecordInput(serializers.Serializer):
    """Money a treasurer received by bank transfer or in cash."""

    method = serializers.ChoiceField(choices=RecordedMethod.choices)
    amount = _amount_field()
    currency = _currency_field()
    received_on = serializers.DateField(help_text="When the money arrived.")
    reference = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        validators=[RegexValidator(r"^[A-Za-z0-9 ./_-]*$", "Letters, digits, spaces and . / _ - only.")],
        help_text="The reference the donor quoted (a pledge's `TDM-XXXX-XXXX` matches it to the pledge).",
    )
    campaign = serializers.SlugField(
        max_length=64, required=False, help_text="Required when the reference matches no pledge."
    )

    def validate_received_on(self, value: Any) -> Any:
        if value > timezone.localdate():
            raise serializers.ValidationError("Money cannot be received in the future.")
        return value


class ContributionMatchInput(serializers.Serializer):
    """The pledge that money received without its reference was for."""

    reference = serializers.CharField(
        max_length=16,
        validators=[RegexValidator(r"^[A-Za-z0-9-]+$", "A pledge's reference, such as TDM-ABCD-EFGH.")],
        help_text="The pledge's reference (`TDM-XXXX-XXXX`), in any case.",
    )


class BankRefundInput(serializers.Serializer):
    """Money of a bank or cash contribution given back by the treasurer."""

    amount = _amount_field(required=False)
    refunded_on = serializers.DateField(required=False, help_text="When the money left; today when omitted.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "amount"
        ].help_text = "In the contribution's currency; the whole amount left when omitted."

    def validate_refunded_on(self, value: Any) -> Any:
        if value > timezone.localdate():
            raise serializers.ValidationError("A refund cannot be dated in the future.")
        return value


class RefundRequestInput(serializers.Serializer):
    amount = _amount_field(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "amount"
        ].help_text = "In the currency the donor paid in; the whole amount left when omitted."


# --- outputs ------------------------------------------------------------------


class RaisedOutput(serializers.Serializer):
    currency = serializers.CharField()
    amount = MoneyField(amount="amount", help_text="Donations income net of refunds and lost disputes.")


class AmountOutput(serializers.Serializer):
    currency = serializers.CharField()
    amount = MoneyField(amount="amount")


class RateOutput(serializers.Serializer):
    currency = serializers.CharField()
    rate = serializers.CharField(help_text="Units of the base currency per unit of `currency`, to 12 places.")
    as_of = serializers.DateField(help_text="The date of the conversion in the books it comes from.")


class RaisedInBaseOutput(serializers.Serializer):
    currency = serializers.CharField(help_text="The organisation's base currency (`BASE_CURRENCY`).")
    amount = MoneyField(
        amount="amount",
        help_text="An indication, never booked: each currency at the latest conversion the books recorded, "
        "rounded toward zero to a minor unit.",
    )
    rates = RateOutput(many=True, help_text="The rates used.")
    unconverted = serializers.ListField(
        child=serializers.CharField(),
        help_text="Currencies never converted to the base currency in the books: left out of `amount`.",
    )


class ProgressOutput(serializers.Serializer):
    raised = RaisedOutput(many=True, help_text="Per settlement currency, from the ledger.")
    raised_in_base = RaisedInBaseOutput()
    committed = AmountOutput(
        many=True,
        help_text="Granted from the campaign's fund (grants expense, net of reversals), per currency.",
    )
    disbursed = AmountOutput(
        many=True,
        help_text="Paid out of the campaign's fund to grantees, net of failed payments, per currency.",
    )
    donors = serializers.IntegerField(help_text="Distinct donors; each anonymous pledge counts as one.")


class CampaignOutput(serializers.ModelSerializer):
    title = serializers.DictField(child=serializers.CharField(), help_text="Per language code; `en` always.")
    description = serializers.DictField(child=serializers.CharField(), help_text="Per language code.")
    goal = MoneyField(amount="goal_amount", currency="goal_currency")
    is_open = serializers.SerializerMethodField(help_text="Whether it takes pledges today.")
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = (
            "slug",
            "title",
            "description",
            "goal",
            "goal_currency",
            "starts_on",
            "ends_on",
            "is_open",
            "progress",
        )

    def get_is_open(self, campaign: Campaign) -> bool:
        today = timezone.localdate()
        return campaign.starts_on <= today and (campaign.ends_on is None or campaign.ends_on >= today)

    @extend_schema_field(ProgressOutput)
    def get_progress(self, campaign: Campaign) -> dict[str, Any]:
        progress: CampaignProgress = self.context["progress"][campaign.pk]
        base = progress.raised_base
        return ProgressOutput(
            {
                "raised": [{"currency": c, "amount": a} for c, a in progress.raised.items()],
                "raised_in_base": {
                    "currency": base.currency,
                    "amount": base.amount,
                    "rates": [
                        {"currency": q.currency, "rate": _rate(q), "as_of": q.date} for q in base.rates
                    ],
                    "unconverted": list(base.unconverted),
                },
                "committed": [{"currency": c, "amount": a} for c, a in progress.committed.items()],
                "disbursed": [{"currency": c, "amount": a} for c, a in progress.disbursed.items()],
                "donors": progress.donors,
            }
        ).data


def _rate(quote: FxQuote) -> str:
    """Base-currency units per unit of the other currency, for reading; the sums use the exact ratio."""
    rate = to_decimal(quote.to_amount, quote.to_currency) / to_decimal(quote.from_amount, quote.currency)
    return format(rate.quantize(Decimal("1e-12")).normalize(), "f")


class BankTransferOutput(serializers.Serializer):
    account_holder = serializers.CharField()
    iban = serializers.CharField()
    bic = serializers.CharField()
    reference = serializers.CharField(help_text="Quote it exactly: it is how the transfer finds the pledge.")
    amount = serializers.CharField()
    currency = serializers.CharField()


class PledgeOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", help_text="Random; the only id of the pledge.")
    campaign: "serializers.SlugRelatedField[Campaign]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    amount = MoneyField(amount="amount")
    status = serializers.ChoiceField(choices=PledgeStatus.choices)
    checkout_url = serializers.SerializerMethodField(help_text="Stripe's payment page, for a card pledge.")
    bank_transfer = serializers.SerializerMethodField(help_text="Where to send a bank transfer.")
    email_on_file = serializers.SerializerMethodField(help_text="Whether an e-mail for receipts is kept.")

    class Meta:
        model = Pledge
        fields: tuple[str, ...] = (
            "id",
            "reference",
            "campaign",
            "amount",
            "currency",
            "frequency",
            "method",
            "status",
            "checkout_url",
            "bank_transfer",
            "email_on_file",
            "created_at",
            "cancelled_at",
        )

    def get_email_on_file(self, pledge: Pledge) -> bool:
        return pledge.email_sealed is not None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_checkout_url(self, pledge: Pledge) -> str | None:
        return pledge.checkout_url or None

    @extend_schema_field(BankTransferOutput(allow_null=True))
    def get_bank_transfer(self, pledge: Pledge) -> dict[str, str] | None:
        if pledge.method != Method.BANK_TRANSFER:
            return None
        return {
            "account_holder": settings.BANK_TRANSFER_ACCOUNT_HOLDER,
            "iban": settings.BANK_TRANSFER_IBAN,
            "bic": settings.BANK_TRANSFER_BIC,
            "reference": pledge.reference,
            "amount": to_decimal_string(pledge.amount, pledge.currency),
            "currency": pledge.currency,
        }


class DonorContributionOutput(serializers.ModelSerializer):
    """What a donor sees of their own gift: what they paid, when, and what of it came back."""

    id = serializers.UUIDField(source="public_id")
    amount = MoneyField(amount="presentment_amount", currency="presentment_currency")
    currency = serializers.CharField(source="presentment_currency")
    returned = serializers.SerializerMethodField(
        help_text="Refunded or disputed back, in the settlement currency (`settled_currency`)."
    )
    settled_currency = serializers.CharField(source="currency")

    class Meta:
        model = Contribution
        fields = ("id", "amount", "currency", "received_on", "returned", "settled_currency")

    @extend_schema_field({"type": "string", "format": "decimal"})
    def get_returned(self, contribution: Contribution) -> str:
        back = -sum(a.amount for a in contribution.adjustments.all())
        return to_decimal_string(back, contribution.currency)


class PledgeDetailOutput(PledgeOutput):
    contributions = serializers.SerializerMethodField(
        help_text="Received for this pledge, or matched to it later by a treasurer."
    )

    class Meta(PledgeOutput.Meta):
        fields = (*PledgeOutput.Meta.fields, "contributions")

    @extend_schema_field(DonorContributionOutput(many=True))
    def get_contributions(self, pledge: Pledge) -> Any:
        received = list(pledge.contributions.all()) + [m.contribution for m in pledge.matches.all()]
        received.sort(key=lambda c: (c.received_on, c.pk))
        return DonorContributionOutput(received, many=True).data


class ContributionOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    campaign = serializers.SerializerMethodField(
        help_text="The campaign whose fund holds it: the pledge's, once matched to a pledge of another."
    )
    pledge = serializers.SerializerMethodField(
        help_text="The pledge's reference: received for it, or matched to it later; null while unmatched."
    )
    matched_at = serializers.DateTimeField(
        source="matched.created_at", allow_null=True, default=None, help_text="When a treasurer matched it."
    )
    reclassification_entry = serializers.IntegerField(
        source="matched.entry_id",
        allow_null=True,
        default=None,
        help_text="The entry that moved it to the pledge's fund, when the match did.",
    )
    amount = MoneyField(amount="amount", help_text="Gross, in the settlement currency.")
    fee = MoneyField(amount="fee", help_text="Stripe's fee, in the settlement currency.")
    presentment_amount = MoneyField(amount="presentment_amount", currency="presentment_currency")
    exchange_rate = serializers.SerializerMethodField(
        help_text="Presentment to settlement, when they differ."
    )
    entry = serializers.IntegerField(source="entry_id", help_text="The ledger entry that booked it.")

    class Meta:
        model = Contribution
        fields = (
            "id",
            "campaign",
            "pledge",
            "method",
            "amount",
            "fee",
            "currency",
            "presentment_amount",
            "presentment_currency",
            "exchange_rate",
            "received_on",
            "reference",
            "entry",
            "matched_at",
            "reclassification_entry",
        )

    def get_campaign(self, contribution: Contribution) -> str:
        match = contribution.matched
        return (match.campaign if match is not None else contribution.campaign).slug

    @extend_schema_field({"type": "string", "nullable": True})
    def get_pledge(self, contribution: Contribution) -> str | None:
        match = contribution.matched
        pledge = match.pledge if match is not None else contribution.pledge
        return None if pledge is None else pledge.reference

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_exchange_rate(self, contribution: Contribution) -> str | None:
        return (
            None
            if contribution.exchange_rate is None
            else format(contribution.exchange_rate.normalize(), "f")
        )


class RefundRequestOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    contribution = serializers.UUIDField(source="contribution.public_id")
    amount = MoneyField(amount="amount")
    stripe_refund = serializers.CharField(source="stripe_refund_id", allow_null=True)

    class Meta:
        model = RefundRequest
        fields = ("id", "contribution", "amount", "currency", "stripe_refund", "created_at")


class BankRefundOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    contribution = serializers.UUIDField(source="contribution.public_id")
    amount = MoneyField(amount="refunded", help_text="Given back, in the contribution's currency.")
    refunded_on = serializers.DateField(source="occurred_on")
    entry = serializers.IntegerField(source="entry_id", help_text="The ledger entry that booked it.")

    class Meta:
        model = ContributionAdjustment
        fields = ("id", "contribution", "amount", "currency", "refunded_on", "entry", "created_at")


class UndeliveredReceiptOutput(serializers.ModelSerializer):
    """A receipt whose e-mail failed: never the donor's address or name, only what the failure was."""

    campaign = serializers.SlugField(source="campaign.slug")
    amount = MoneyField(amount="amount", help_text="What the donor paid, in the currency they paid in.")
    email_status = serializers.ChoiceField(choices=ReceiptEmail.choices)
    email_error = serializers.CharField(
        help_text="The class of the last failure, such as `SMTPRecipientsRefused`."
    )
    gave_up = serializers.SerializerMethodField(
        help_text="True once the periodic retries stopped (`RECEIPT_EMAIL_MAX_ATTEMPTS` failures): "
        "only `resend/` tries it again."
    )

    class Meta:
        model = Receipt
        fields = (
            "number",
            "issued_on",
            "campaign",
            "amount",
            "currency",
            "email_status",
            "email_attempts",
            "email_error",
            "gave_up",
        )

    def get_gave_up(self, receipt: Receipt) -> bool:
        return receipt.email_attempts >= settings.RECEIPT_EMAIL_MAX_ATTEMPTS


class WebhookAckOutput(serializers.Serializer):
    event = serializers.CharField(help_text="The event's id.")
    status = serializers.CharField(help_text="`processed`, `ignored` (not ours, or a type we do not handle).")


class StripeEventInput(serializers.Serializer):
    """A Stripe event, exactly as Stripe sends and signs it."""

    id = serializers.CharField()
    object = serializers.CharField()
    type = serializers.CharField()
    created = serializers.IntegerField()
    data = serializers.DictField()  # type: ignore[assignment]  # Stripe's name, not the Serializer's
