"""Output serializers of the public transparency figures and feed: aggregates and coarse labels only."""

from typing import Any

from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import DECIMAL_PATTERN
from grants.api import Category
from ledger.api import to_decimal_string
from reports.regions import region_name, region_of
from reports.selectors import Granularity, PeriodKind
from reports.suppression import Level, Period, Publication, Row


class GrantsQuery(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=[kind.value for kind in PeriodKind],
        required=False,
        default=PeriodKind.QUARTER.value,
        help_text="Quarters (the default) or years; a year is the sum of its quarters' published rows.",
    )


class MoneyOutput(serializers.Serializer):
    amount = serializers.CharField(help_text=f"Decimal string in major units ({DECIMAL_PATTERN}).")
    currency = serializers.CharField(help_text="ISO 4217 code.")


def money_list(amounts: dict[str, int]) -> list[dict[str, str]]:
    return [
        {"amount": to_decimal_string(minor, currency), "currency": currency}
        for currency, minor in sorted(amounts.items())
    ]


class RegionOutput(serializers.Serializer):
    code = serializers.CharField(help_text="UN M49 code of the region (`014`: Eastern Africa).")
    name = serializers.CharField(help_text="Its name in the answer's language (CLDR).")


def _region(code: str) -> dict[str, str]:
    return {"code": code, "name": region_name(code, get_language() or "en")}


class RowOutput(serializers.Serializer):
    """One published row: at least `threshold` recipients, placed as precisely as that allows."""

    level = serializers.ChoiceField(
        choices=[level.value for level in Level],
        help_text="`country`: one country and category; `region`: the small groups of a category in one "
        "region; `other`: every group still too small, with anything folded in to make it large enough.",
    )
    country = serializers.CharField(allow_null=True, help_text="ISO 3166-1 alpha-2, for `country` rows.")
    region = RegionOutput(allow_null=True, help_text="For `country` and `region` rows.")
    category = serializers.ChoiceField(choices=Category.choices, allow_null=True)
    recipients = serializers.IntegerField(help_text="Grant requests paid.")
    amounts = MoneyOutput(many=True, help_text="Paid out, per currency.")

    def to_representation(self, row: Row) -> dict[str, Any]:
        level = row.label.level
        return {
            "level": level.value,
            "country": row.label.place if level == Level.COUNTRY else None,
            "region": None if level == Level.OTHER else _region(_region_code(row)),
            "category": row.label.category or None,
            "recipients": row.recipients,
            "amounts": money_list(row.amounts),
        }


def _region_code(row: Row) -> str:
    return region_of(row.label.place) if row.label.level == Level.COUNTRY else row.label.place


def _period_label(period: Period, kind: str) -> str:
    start = period.start
    return str(start.year) if kind == PeriodKind.YEAR else f"{start.year}-Q{(start.month - 1) // 3 + 1}"


class PeriodOutput(serializers.Serializer):
    period = serializers.CharField(help_text="`2026-Q3`, or `2026` for years.")
    withheld = serializers.BooleanField(
        help_text="Fewer than `threshold` recipients in all: no rows and no amounts are published for it."
    )
    recipients = serializers.IntegerField(allow_null=True, help_text="The sum of the rows; null if withheld.")
    amounts = MoneyOutput(many=True, help_text="The sum of the rows, per currency; empty if withheld.")
    withheld_quarters = serializers.ListField(
        child=serializers.CharField(),
        help_text="For a year: its quarters withheld as too small, whose recipients its figures leave out.",
    )
    rows = RowOutput(many=True)

    def to_representation(self, period: Period) -> dict[str, Any]:
        kind = self.context["period"]
        return {
            "period": _period_label(period, kind),
            "withheld": period.withheld,
            "recipients": None if period.withheld else period.recipients,
            "amounts": money_list(period.amounts),
            "withheld_quarters": [
                _period_label(Period(start=quarter, rows=[]), PeriodKind.QUARTER)
                for quarter in period.withheld_quarters
            ],
            "rows": [RowOutput().to_representation(row) for row in period.rows],
        }


class TotalsOutput(serializers.Serializer):
    recipients = serializers.IntegerField()
    amounts = MoneyOutput(many=True)


class GrantsOutput(serializers.Serializer):
    period = serializers.ChoiceField(choices=[kind.value for kind in PeriodKind])
    threshold = serializers.IntegerField(
        help_text="TRANSPARENCY_MIN_RECIPIENTS: no published row counts fewer recipients."
    )
    totals = TotalsOutput(help_text="The sum of every published period, hence of every published row.")
    periods = PeriodOutput(many=True, help_text="Ended periods with paid grants, newest first.")

    def to_representation(self, publication: Publication) -> dict[str, Any]:
        period = PeriodOutput(context=self.context)
        return {
            "period": self.context["period"],
            "threshold": publication.threshold,
            "totals": {"recipients": publication.recipients, "amounts": money_list(publication.amounts)},
            "periods": [period.to_representation(item) for item in publication.periods],
        }


class FeedItemOutput(serializers.Serializer):
    """One paid grant: a random public id, its category, coarse region, amount and period."""

    id = serializers.CharField(
        source="public_id",
        help_text="Stable, random-looking, and neither the grant request's nor the payout's reference.",
    )
    category = serializers.ChoiceField(choices=Category.choices)
    region = serializers.SerializerMethodField()
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField()
    granularity = serializers.ChoiceField(choices=[g.value for g in Granularity])
    period = serializers.CharField(
        help_text="`2026-W48` when at least `threshold` grants of the region were paid that ISO week, "
        "else `2026-11` (the month), `2026-Q4` (the quarter) or `2026` (the year)."
    )

    @extend_schema_field(RegionOutput)
    def get_region(self, item: Any) -> dict[str, str]:
        return _region(item.region)

    @extend_schema_field({"type": "string", "pattern": DECIMAL_PATTERN, "example": "120.00"})
    def get_amount(self, item: Any) -> str:
        return to_decimal_string(item.amount, item.currency)
