"""Query-string filters (django-filter) for list endpoints."""

from typing import Any

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.request import Request

from api.exceptions import ParameterValidationError
from api.fields import CURRENCY_PATTERN, MAX_ID
from api.validation import blank_parameters_reject
from ledger.models import Account, AccountRole, AccountType, Balance, Entry, EntryKind, Posting


class FilterBackend(DjangoFilterBackend):
    """django-filter, with invalid parameters reported as problem `errors` by parameter name."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        blank_parameters_reject(request, filterset.filters)
        if not filterset.is_valid():
            raise ParameterValidationError(
                {name: [error["message"] for error in errors] for name, errors in _error_data(filterset)},
                location="query",
            )
        return filterset.qs


def _error_data(filterset: django_filters.FilterSet) -> list[tuple[str, list[dict[str, str]]]]:
    return [(name, errors.get_json_data()) for name, errors in filterset.errors.items()]


class IdFilter(django_filters.NumberFilter):
    """A database id: a positive whole number."""

    field_class = forms.IntegerField


def id_filter(label: str, **kwargs: Any) -> IdFilter:
    """An id filter documented as a bounded integer, with its label as description."""
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": label}
    return extend_schema_field(schema)(IdFilter(label=label, min_value=1, max_value=MAX_ID, **kwargs))


class _ExactTextField(forms.CharField):
    """Text taken as sent: not stripped, and an empty value that was sent is refused.

    A form field strips whitespace and reads an empty value as "no filter", so
    `?currency=%0C` listed everything instead of being refused.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs["strip"] = False
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str | None:
        if value == "":
            raise forms.ValidationError("An empty value is not a filter; leave the parameter out.")
        return super().to_python(value)


class ExactCharFilter(django_filters.CharFilter):
    field_class = _ExactTextField


def currency_filter(label: str, **kwargs: Any) -> django_filters.CharFilter:
    """An ISO 4217 code, upper case, exactly as sent."""
    schema = {"type": "string", "pattern": CURRENCY_PATTERN, "example": "EUR", "description": label}
    validator = RegexValidator(CURRENCY_PATTERN, "Not a three-letter currency code.")
    return extend_schema_field(schema)(ExactCharFilter(label=label, validators=[validator], **kwargs))


def _with_posting(queryset: QuerySet[Entry], **lookup: Any) -> QuerySet[Entry]:
    """Entries with at least one posting matching the lookup (no join, so no duplicates)."""
    return queryset.filter(Exists(Posting.objects.filter(entry=OuterRef("pk"), **lookup)))


class EntryFilter(django_filters.FilterSet):
    """Journal entries by account, fund, currency, date range and kind."""

    account = id_filter("Only entries with a posting to this account id.", method="filter_account")
    fund = id_filter("Only entries with a posting in this fund id.", method="filter_fund")
    currency = currency_filter("Only entries with a posting in this currency.", method="filter_currency")
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label="Entry date on or after."
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label="Entry date on or before."
    )
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices, label="Entry kind.")

    class Meta:
        model = Entry
        fields = ("account", "fund", "currency", "date_from", "date_to", "kind")

    def filter_account(self, queryset: QuerySet[Entry], name: str, value: int) -> QuerySet[Entry]:
        return _with_posting(queryset, account_id=value)

    def filter_fund(self, queryset: QuerySet[Entry], name: str, value: int) -> QuerySet[Entry]:
        return _with_posting(queryset, fund_id=value)

    def filter_currency(self, queryset: QuerySet[Entry], name: str, value: str) -> QuerySet[Entry]:
        return _with_posting(queryset, currency=value)


class AccountFilter(django_filters.FilterSet):
    """Accounts of the chart by currency, type and system role."""

    currency = currency_filter("Account currency.")
    type = django_filters.ChoiceFilter(choices=AccountType.choices, label="Account type.")
    role = django_filters.ChoiceFilter(choices=AccountRole.choices, label="System role of the account.")

    class Meta:
        model = Account
        fields = ("currency", "type", "role")


class BalanceFilter(django_filters.FilterSet):
    """Balance rows by account, fund and currency."""

    account = id_filter("Account id.", field_name="account_id")
    fund = id_filter("Fund id.", field_name="fund_id")
    currency = currency_filter("Currency.")

    class Meta:
        model = Balance
        fields = ("account", "fund", "currency")
