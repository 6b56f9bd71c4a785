"""Small input and output serializers of the ledger endpoints; amounts are decimal strings."""

import datetime
from typing import Any

from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from api.fields import (
    CURRENCY_PATTERN,
    MAX_ID,
    AmountInputField,
    FreeTextField,
    HashField,
    MoneyField,
    NullableMoneyField,
)
from api.serializers import SharedFieldsInput, SharedFieldsOutput
from ledger.exceptions import DateOutOfRange
from ledger.models import AccountRole, AccountType, ClosedPeriod, Entry, EntryKind, Fund
from ledger.rules import check_entry_date
from ledger.selectors import fund_list
from ledger.services import MAX_POSTINGS

MEMO_MAX_LENGTH = Entry._meta.get_field("memo").max_length


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _entry_date_validate(value: datetime.date) -> None:
    try:
        check_entry_date(value)
    except DateOutOfRange as error:
        raise serializers.ValidationError(error.detail, code=error.code) from None


ENTRY_DATE_HELP = (
    "Accounting date; must not fall in a closed period, before the ledger's start "
    "(LEDGER_START_DATE) or more than LEDGER_MAX_DAYS_AHEAD days after today."
)


# --- inputs -------------------------------------------------------------------


class PostingInput(serializers.Serializer):
    """One leg: debit positive, credit negative, in the account's currency."""

    account = _id_field(help_text="Account id.")
    fund = _id_field(help_text="Fund id.")
    amount = AmountInputField(
        help_text="Signed decimal string in major units (debit positive), e.g. `12.50`; never zero. "
        "A JSON number is refused."
    )
    currency = serializers.CharField(
        required=False,
        validators=[RegexValidator(CURRENCY_PATTERN, "A three-letter ISO 4217 code.")],
        help_text="Optional; defaults to the account's currency, and must equal it.",
    )


class EntryCreateInput(SharedFieldsInput):
    """A manual adjustment entry: two or more postings summing to zero per currency and fund."""

    date = serializers.DateField(validators=[_entry_date_validate], help_text=ENTRY_DATE_HELP)
    memo = FreeTextField(max_length=MEMO_MAX_LENGTH, required=False, allow_blank=True, default="")
    postings = serializers.ListField(child=PostingInput(), min_length=2, max_length=MAX_POSTINGS)


class EntryReverseInput(SharedFieldsInput):
    """Optional date and memo of the reversing entry."""

    date = serializers.DateField(
        required=False, validators=[_entry_date_validate], help_text=f"{ENTRY_DATE_HELP} Defaults to today."
    )
    memo = FreeTextField(
        max_length=MEMO_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Defaults to 'Reversal of entry N'.",
    )


class StatementQuery(serializers.Serializer):
    date_from = serializers.DateField(
        required=False, help_text="First date included; earlier lines form the opening balance."
    )
    date_to = serializers.DateField(required=False, help_text="Last date included.")
    fund = _id_field(required=False, help_text="Only postings in this fund.")
    limit = serializers.IntegerField(
        min_value=1, max_value=1000, required=False, default=1000, help_text="Most lines returned."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        date_from, date_to = attrs.get("date_from"), attrs.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise serializers.ValidationError({"date_to": "Must not be before date_from."})
        return attrs


class TrialBalanceQuery(serializers.Serializer):
    fund = _id_field(required=False, help_text="Only balances within this fund.")


class FundCreateInput(serializers.Serializer):
    """A new fund; its code names it in reports and never changes."""

    code = serializers.SlugField(
        max_length=64,
        validators=[UniqueValidator(queryset=fund_list(), message="A fund with this code already exists.")],
        help_text="Letters, digits, hyphens and underscores, e.g. `relief-2026`; unique.",
    )
    name = FreeTextField(max_length=200)
    restricted = serializers.BooleanField(
        default=False, help_text="True for money donors gave for one purpose (a campaign)."
    )
    description = FreeTextField(max_length=2000, required=False, allow_blank=True, default="")


class PeriodCloseInput(serializers.Serializer):
    """The first and last day, both included, of a period that has ended."""

    start_date = serializers.DateField()
    end_date = serializers.DateField(help_text="On or after `start_date`, and not after today.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end_date"] < attrs["start_date"]:
            raise serializers.ValidationError({"end_date": "Must not be before start_date."})
        # Closing can never be undone: a typo in the year must not close the future.
        if attrs["end_date"] > timezone.localdate():
            raise serializers.ValidationError(
                {"end_date": "A period can be closed once it has ended; this one ends after today."}
            )
        return attrs


# --- outputs ------------------------------------------------------------------


class AccountOutput(SharedFieldsOutput):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    type = serializers.ChoiceField(choices=AccountType.choices, read_only=True)
    currency = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=AccountRole.choices, allow_null=True, read_only=True)
    floor = NullableMoneyField(amount="floor", help_text="Lowest balance any fund may reach here, or null.")


class AccountDetailOutput(AccountOutput):
    balance = MoneyField(amount="balance", help_text="Balance over all funds, debit positive.")


class FundOutput(serializers.ModelSerializer):
    class Meta:
        model = Fund
        fields = ("id", "code", "name", "restricted", "description", "created_at")
        read_only_fields = fields


class PostingOutput(SharedFieldsOutput):
    leg_no = serializers.IntegerField()
    account = serializers.IntegerField(source="account_id")
    fund = serializers.IntegerField(source="fund_id")
    currency = serializers.CharField()
    amount = MoneyField(amount="amount", help_text="Signed, debit positive.")


class SealOutput(SharedFieldsOutput):
    """The entry's place in the hash chain."""

    seq = serializers.IntegerField()
    hash = HashField()
    prev_hash = HashField()
    sealed_at = serializers.DateTimeField()


class SourceOutput(serializers.Serializer):
    """The business document the entry records."""

    type = serializers.CharField()
    id = serializers.CharField()


class FxOutput(serializers.Serializer):
    """The exchange rate the entry used, and where it came from."""

    rate = serializers.DecimalField(max_digits=30, decimal_places=12)
    source = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.source


class EntryOutput(SharedFieldsOutput):
    id = serializers.IntegerField()
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    memo = serializers.CharField()
    source = serializers.SerializerMethodField()  # type: ignore[assignment]  # a field named like Field.source
    reverses = serializers.IntegerField(
        source="reverses_id", allow_null=True, help_text="Entry this one reverses."
    )
    reversed_by = serializers.IntegerField(
        source="reversed_by_id", allow_null=True, help_text="Entry that reverses this one, if any."
    )
    fx = serializers.SerializerMethodField()
    created_by = serializers.IntegerField(source="created_by_id", allow_null=True, help_text="User id.")
    created_at = serializers.DateTimeField()
    postings = PostingOutput(many=True)
    seal = SealOutput(allow_null=True, help_text="Null until the sealer has chained the entry (seconds).")

    @extend_schema_field(SourceOutput(allow_null=True))
    def get_source(self, entry: Entry) -> dict[str, str] | None:
        if not entry.source_type:
            return None
        return {"type": entry.source_type, "id": entry.source_id}

    @extend_schema_field(FxOutput(allow_null=True))
    def get_fx(self, entry: Entry) -> dict[str, Any] | None:
        if entry.fx_rate is None:
            return None
        return FxOutput({"rate": entry.fx_rate, "source": entry.fx_rate_source}).data


class BalanceOutput(serializers.Serializer):
    account = serializers.IntegerField(source="account_id")
    fund = serializers.IntegerField(source="fund_id")
    currency = serializers.CharField()
    balance = MoneyField(amount="current", help_text="Debit positive.")
    floor = NullableMoneyField(amount="floor")


class TrialBalanceRowOutput(serializers.Serializer):
    account = serializers.IntegerField(source="account_id")
    code = serializers.CharField()
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=AccountType.choices)
    currency = serializers.CharField()
    debit = MoneyField(amount="debit")
    credit = MoneyField(amount="credit")
    balance = MoneyField(amount="balance", help_text="Debit positive.")


class CurrencyTotalOutput(serializers.Serializer):
    currency = serializers.CharField()
    debit = MoneyField(amount="debit")
    credit = MoneyField(amount="credit")


class TrialBalanceOutput(serializers.Serializer):
    fund = serializers.IntegerField(allow_null=True)
    rows = TrialBalanceRowOutput(many=True)
    totals = CurrencyTotalOutput(many=True, help_text="Per currency; debits equal credits.")


class StatementLineOutput(serializers.Serializer):
    entry = serializers.IntegerField(source="entry_id")
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    memo = serializers.CharField()
    fund = serializers.IntegerField(source="fund_id")
    amount = MoneyField(amount="amount", currency=None)
    running_balance = MoneyField(amount="running_balance", currency=None)


class StatementOutput(serializers.Serializer):
    account = serializers.IntegerField(source="account_id")
    currency = serializers.CharField()
    fund = serializers.IntegerField(allow_null=True)
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    opening_balance = MoneyField(amount="opening_balance")
    closing_balance = MoneyField(amount="closing_balance", help_text="Running balance after the last line.")
    truncated = serializers.BooleanField(help_text="True when more lines exist than `limit` allowed.")
    lines = StatementLineOutput(many=True)


class FundBalanceOutput(serializers.Serializer):
    fund = serializers.IntegerField(source="fund_id")
    fund_code = serializers.CharField()
    currency = serializers.CharField()
    assets = MoneyField(amount="assets")
    liabilities = MoneyField(amount="liabilities", help_text="Owed, shown positive.")
    income = MoneyField(amount="income")
    expenses = MoneyField(amount="expenses")
    net_assets = MoneyField(amount="net_assets", help_text="Assets minus liabilities.")


class ChainHeadOutput(serializers.Serializer):
    seq = serializers.IntegerField(help_text="Sequence number of the newest seal; 0 for an empty chain.")
    hash = HashField(help_text="Its SHA-256 chain hash; 64 zeros for an empty chain.")


class ClosedPeriodOutput(serializers.ModelSerializer):
    closed_by = serializers.IntegerField(source="closed_by_id", allow_null=True, help_text="User id.")

    class Meta:
        model = ClosedPeriod
        fields = ("id", "start_date", "end_date", "closed_at", "closed_by")
        read_only_fields = fields
