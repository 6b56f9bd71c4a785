"""Input and output serializers of the grants endpoints; outputs carry nothing that identifies a person.

Every code a requester reads (status, category, urgency, decline reason) comes with a `*_label`
beside it in the language of the answer; the codes themselves never change with the language.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import CURRENCY_PATTERN, DECIMAL_PATTERN, MoneyField, NullableMoneyField
from api.serializers import SharedFieldsInput, SharedFieldsOutput
from api.serializers import StrictInput as BaseStrictInput
from grants.models import AttachmentType, Category, DeclineReason, Recommendation, Urgency
from grants.workflow import Status

MAX_ID = 2**63 - 1


class StrictInput(SharedFieldsInput, BaseStrictInput):
    """Refuses members it does not declare: a requester cannot slip in a status or an approved amount.

    Its fields are built once per class (api/serializers.py): an anonymous
    application spent a fifth of its time deep-copying them.
    """


def _amount_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=40,
        validators=[RegexValidator(DECIMAL_PATTERN, gettext_lazy("A decimal string such as '120.00'."))],
        help_text="Decimal string in major units of the currency, e.g. `120.00`; more than zero.",
        **kwargs,
    )


def _currency_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        validators=[RegexValidator(CURRENCY_PATTERN, gettext_lazy("A three-letter ISO 4217 code."))],
        help_text="ISO 4217 code; the fund's grant currency.",
        **kwargs,
    )


def _country_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        min_length=2,
        max_length=2,
        validators=[RegexValidator(r"^[A-Z]{2}$", gettext_lazy("A two-letter ISO 3166-1 code in capitals."))],
        help_text="ISO 3166-1 alpha-2 country code, e.g. `KE`.",
        **kwargs,
    )


LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _language_field(**kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=LANGUAGES, **kwargs)


class LabelField(serializers.CharField):
    """A code's label in the language of the answer, from a table built once per field.

    Not `source="get_<code>_display"`: Django's display method evaluates every
    choice's translation on each call, and DRF inspects the method's signature
    per row, which made a reviewer's page of requests several times slower.
    """

    def __init__(self, code: str, choices: Any) -> None:
        self.labels = dict(choices.choices)  # code -> lazy label, translated when read
        super().__init__(
            source=code,
            read_only=True,
            help_text=f"The `{code}` in the language of the answer (Content-Language).",
        )

    def to_representation(self, value: Any) -> str:
        label = self.labels.get(value)
        return str(label) if label is not None else str(value)


# --- inputs ----------------------------------------------------------------------------------


class RequesterRegisterInput(StrictInput):
    pseudonym = serializers.CharField(
        min_length=3,
        max_length=64,
        validators=[UnicodeUsernameValidator()],
        help_text="Any name you choose; not your legal name. Letters, digits and @ . + - _ only.",
    )
    password = serializers.CharField(min_length=1, max_length=128, write_only=True, trim_whitespace=False)
    language = _language_field(
        required=False,
        help_text="The language the account is answered in; without it, the one Accept-Language asks for.",
    )


class RequesterLanguageInput(StrictInput):
    language = _language_field(help_text="The language the account is answered in from now on.")


CONTACT_CHANNELS = [("signal", "Signal"), ("email", "E-mail"), ("other", "Other")]
PAYOUT_RAILS = [
    ("bank_transfer", "Bank transfer"),
    ("mobile_money", "Mobile money"),
    ("cash", "Cash"),
    ("other", "Other"),
]
# Choice errors here must not repeat what was sent: it may identify someone.
_CHOICE_ERRORS: dict[str, Any] = {"invalid_choice": gettext_lazy("Not one of the listed choices.")}


def _sealed_text(limit: int, help_text: str) -> serializers.CharField:
    return serializers.CharField(
        max_length=limit, required=False, allow_blank=True, write_only=True, help_text=help_text
    )


class IdentityFields(serializers.Serializer):
    """What a requester writes about themselves; stored only encrypted, never echoed back."""

    name = _sealed_text(200, "Optional; any name you want to be called by.")
    contact_channel = serializers.ChoiceField(
        choices=CONTACT_CHANNELS, required=False, write_only=True, error_messages=_CHOICE_ERRORS
    )
    contact_handle = _sealed_text(200, "How to reach you on that channel.")
    narrative = _sealed_text(10_000, "Your situation, in your words (at most 10,000 characters).")
    payout_rail = serializers.ChoiceField(
        choices=PAYOUT_RAILS, required=False, write_only=True, error_messages=_CHOICE_ERRORS
    )
    payout_details = _sealed_text(2_000, "Where the money should go on that rail.")


IDENTITY_FIELDS = tuple(IdentityFields().fields)


class ApplicationInput(StrictInput, IdentityFields):
    """What an anonymous application asks for, and what the applicant tells about themselves."""

    fund = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Fund id (see grants/funds).")
    category = serializers.ChoiceField(choices=Category.choices)
    country = _country_field()
    amount = _amount_field()
    currency = _currency_field()
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    language = _language_field(
        required=False,
        help_text="The language to be answered in; without it, the account's, else the one "
        "Accept-Language asks for.",
    )


class GrantRequestCreateInput(ApplicationInput):
    """A requester's new request: a draft, or submitted at once with `submit`."""

    submit = serializers.BooleanField(default=False, help_text="Submit now instead of keeping a draft.")


class GrantRequestUpdateInput(StrictInput, IdentityFields):
    """Changes to a draft; members left out stay as they are."""

    fund = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    country = _country_field(required=False)
    amount = _amount_field(required=False)
    currency = _currency_field(required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    language = _language_field(required=False)


class ClaimCodeInput(StrictInput):
    claim_code = serializers.CharField(
        max_length=64, help_text="The code shown once when applying; dashes and case do not matter."
    )


class AssignInput(StrictInput):
    reviewer = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="User id of a reviewer.")


class ReviewInput(StrictInput):
    score = serializers.IntegerField(min_value=1, max_value=5)
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)


class ApproveInput(StrictInput):
    amount = _amount_field()
    rate = serializers.CharField(
        required=False,
        max_length=40,
        validators=[
            RegexValidator(
                r"^[0-9]+(\.[0-9]{1,12})?$", gettext_lazy("A positive decimal string such as '0.9215'.")
            )
        ],
        help_text="For a request in another currency than the fund's: units of the fund's currency per "
        "unit of the request's, fixed now for the commitment.",
    )
    rate_source = serializers.CharField(
        required=False,
        validators=[
            RegexValidator(
                r"^[a-z0-9][a-z0-9_.:-]{0,63}$", gettext_lazy("A short code such as 'ecb:2026-11-30'.")
            )
        ],
        help_text="Where the rate comes from, recorded on the ledger entry (with `rate`).",
    )


class DeclineInput(StrictInput):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)


class QuestionInput(StrictInput):
    question = serializers.CharField(
        max_length=2_000, help_text="Sealed at rest; only the requester sees it."
    )


class AnswerInput(StrictInput):
    answer = serializers.CharField(max_length=5_000, help_text="Sealed at rest.")


class ClaimAnswerInput(ClaimCodeInput):
    question = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    answer = serializers.CharField(max_length=5_000)


class NoteInput(StrictInput):
    note = serializers.CharField(max_length=5_000, help_text="Internal: never shown to the requester.")


# --- outputs ---------------------------------------------------------------------------------


class GrantRequestOutput(SharedFieldsOutput):
    """A request as anyone allowed to see it sees it: reference, terms, status and dates only.

    A plain Serializer, not a ModelSerializer: it is built on every answer, and
    introspecting the model each time cost more than the rest of an application.
    Its fields are built once per class, like the inputs' (api/serializers.py).
    """

    reference = serializers.CharField()
    fund = serializers.IntegerField(source="fund_id")
    category = serializers.ChoiceField(choices=Category.choices)
    category_label = LabelField("category", Category)
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    currency = serializers.CharField()
    amount_requested = MoneyField(amount="amount_requested")
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    urgency_label = LabelField("urgency", Urgency)
    language = serializers.CharField(help_text="The language the request's requester is answered in.")
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = LabelField("status", Status)
    approved_amount = NullableMoneyField(amount="approved_amount")
    decline_reason = serializers.ChoiceField(choices=DeclineReason.choices, allow_blank=True)
    decline_reason_label = LabelField("decline_reason", DeclineReason)
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class AnonymousApplicationOutput(SharedFieldsOutput):
    request = GrantRequestOutput()
    claim_code = serializers.CharField(
        help_text="Shown this once, never stored: keep it to follow the request, answer questions, appeal."
    )
    claim_code_expires_at = serializers.DateTimeField(source="request.claim_code_expires_at")


class RequesterOutput(SharedFieldsOutput):
    pseudonym = serializers.CharField()
    language = serializers.CharField(help_text="The language the account is answered in.")
    token = serializers.CharField(help_text="API token for `Authorization: Token <token>`; shown once.")
    expiry = serializers.DateTimeField(allow_null=True)


class RequesterProfileOutput(SharedFieldsOutput):
    pseudonym = serializers.CharField()
    language = serializers.CharField(
        allow_null=True, help_text="The language the account is answered in; null: none chosen yet."
    )


class CategoryCapOutput(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    category_label = LabelField("category", Category)
    cap = MoneyField(amount="cap", currency=None)


class GrantFundOutput(serializers.Serializer):
    fund = serializers.IntegerField(source="fund_id")
    code = serializers.CharField(source="fund.code")
    name = serializers.CharField(source="fund.name")
    currency = serializers.CharField(help_text="The fund's own currency: its maximum and caps are in it.")
    also_pays = serializers.ListField(
        child=serializers.CharField(), help_text="Other currencies requests may be in (committed at a rate)."
    )
    max_per_request = MoneyField(amount="max_per_request")
    accepting = serializers.BooleanField()
    caps = serializers.SerializerMethodField()

    @extend_schema_field(CategoryCapOutput(many=True))
    def get_caps(self, rules: Any) -> Any:
        return CategoryCapOutput(rules.caps.all(), many=True, context={"currency": rules.currency}).data


class AssignmentOutput(SharedFieldsOutput):
    request = serializers.CharField(source="request.reference")
    reviewer = serializers.IntegerField(source="reviewer_id")
    assigned_at = serializers.DateTimeField()


class ReviewOutput(SharedFieldsOutput):
    request = serializers.CharField(source="request.reference")
    score = serializers.IntegerField()
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    updated_at = serializers.DateTimeField()


class IdentityOutput(SharedFieldsOutput):
    """A request's identifying fields, opened for this reader (logged); each reads "erased" once shredded."""

    erased = serializers.BooleanField()
    name = serializers.CharField(allow_null=True)
    contact_channel = serializers.CharField(allow_null=True)
    contact_handle = serializers.CharField(allow_null=True)
    narrative = serializers.CharField(allow_null=True)
    payout_rail = serializers.CharField(allow_null=True)
    payout_details = serializers.CharField(allow_null=True)


class QuestionOutput(SharedFieldsOutput):
    id = serializers.IntegerField()
    question = serializers.CharField(allow_null=True)
    answer = serializers.CharField(allow_null=True)
    asked_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)


class NoteOutput(SharedFieldsOutput):
    id = serializers.IntegerField()
    note = serializers.CharField(allow_null=True)
    author = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class AccessRecordOutput(SharedFieldsOutput):
    at = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=[("open", "Opened"), ("shred", "Shredded")])
    field = serializers.CharField(help_text="The sealed field opened; empty for a shredding.")
    reader = serializers.IntegerField(
        source="reader_id", allow_null=True, help_text="User id; null: a claim code."
    )
    purpose = serializers.CharField(help_text="Why: `review`, `requester_own`, `retention`, `admin_request`.")


# --- attachments ---------------------------------------------------------------------------------


class AttachmentUploadInput(StrictInput):
    """One document, as multipart/form-data; its type is read from the file, never from its name."""

    file = serializers.FileField(
        allow_empty_file=False,
        help_text="A PDF, JPEG or PNG document (see GRANTS_ATTACHMENT_MAX_BYTES, 5 MiB by default). Its "
        "metadata (EXIF, GPS, XMP, the PDF's document information) is removed before it is stored.",
    )
    question = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="The reviewer's question this document answers: required once the request is submitted.",
    )


class ClaimAttachmentUploadInput(ClaimCodeInput, AttachmentUploadInput):
    """A document for an anonymous request's answer, with its claim code."""

    question = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The reviewer's question this document answers."
    )


class ClaimAttachmentInput(ClaimCodeInput):
    attachment = serializers.UUIDField(help_text="The document's id, from the list of documents.")


class AttachmentOutput(SharedFieldsOutput):
    """A document's public facts; its original name only for a reader allowed to open it (logged)."""

    id = serializers.UUIDField(source="public_id")
    content_type = serializers.ChoiceField(choices=AttachmentType.choices)
    size = serializers.IntegerField(help_text="Bytes, as stored (after its metadata was removed).")
    question = serializers.IntegerField(source="question_id", allow_null=True)
    filename = serializers.CharField(
        allow_null=True, help_text='The name it was uploaded under, if any; "erased" once shredded.'
    )
    created_at = serializers.DateTimeField()
