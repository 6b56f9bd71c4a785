"""Django admin: ledger rows are read-only; admins add funds and close periods."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from ledger.exceptions import LedgerError
from ledger.models import Account, Balance, Checkpoint, ClosedPeriod, Entry, Fund, Posting, Seal
from ledger.selectors import balance_list
from ledger.services import fund_create, period_close


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class PostingInline(admin.TabularInline):
    model = Posting
    extra = 0
    can_delete = False
    readonly_fields = ("leg_no", "account", "fund", "currency", "amount")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "date", "kind", "memo", "source_type", "source_id", "created_at"]
    list_filter = ["kind"]
    inlines = [PostingInline]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "type", "currency", "role", "floor"]
    list_filter = ["type", "currency"]


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    """Funds are added through fund_create; the code never changes and a fund is never deleted."""

    list_display = ["code", "name", "restricted", "created_at"]
    fields = ["code", "name", "restricted", "description", "created_at"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Fund | None = None) -> list[str]:
        if obj is None:
            return ["created_at"]
        fixed = ["code", "created_at"]
        # Once money is booked to a fund, flipping its restriction would restate every report.
        if Posting.objects.filter(fund=obj).exists():
            fixed.append("restricted")
        return fixed

    def has_delete_permission(self, request: HttpRequest, obj: Fund | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Fund, form: forms.ModelForm, change: bool) -> None:
        if change:
            obj.save(update_fields=form.changed_data)
            return
        fund = fund_create(
            code=obj.code, name=obj.name, restricted=obj.restricted, description=obj.description
        )
        obj.pk, obj.created_at = fund.pk, fund.created_at


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ["id", "entry", "leg_no", "account", "fund", "currency", "amount"]
    list_select_related = ["entry", "account", "fund"]


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ["account", "fund", "currency", "current", "floor"]
    list_select_related = ["account", "fund"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Balance]:
        return balance_list()

    @admin.display(description="balance (minor units)")
    def current(self, balance: Balance) -> int:
        return balance.current  # type: ignore[attr-defined]  # annotated by balance_list()


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["id", "posting_horizon", "previous_horizon", "created_at"]


class ClosedPeriodForm(forms.ModelForm):
    """Closes the period through period_close while validating.

    The database decides whether a period overlaps a closed one, and the admin
    can only turn a refusal into a message while the form is being validated;
    the admin's own transaction around the request still covers the write.
    """

    closed_by_id: int | None = None

    class Meta:
        model = ClosedPeriod
        fields = ["start_date", "end_date"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        try:
            self.instance = period_close(
                start_date=data["start_date"], end_date=data["end_date"], closed_by_id=self.closed_by_id
            )
        except LedgerError as error:
            raise forms.ValidationError(error.detail, code=error.code) from error
        return data

    def validate_constraints(self) -> None:
        """Nothing more to check: period_close, in clean(), had the database judge the constraints.

        Django would check them again, and a backwards period makes its overlap
        query fail instead of answer.
        """


@admin.register(ClosedPeriod)
class ClosedPeriodAdmin(ReadOnlyAdmin):
    """Periods are closed, never changed, reopened or deleted."""

    form = ClosedPeriodForm
    list_display = ["start_date", "end_date", "closed_at", "closed_by"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return admin.ModelAdmin.has_add_permission(self, request)

    def get_form(
        self, request: HttpRequest, obj: ClosedPeriod | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change, **kwargs)
        # A class made for this request: the period is closed in the signed-in user's name.
        return type(form.__name__, (form,), {"closed_by_id": request.user.pk})

    def save_model(
        self, request: HttpRequest, obj: ClosedPeriod, form: forms.ModelForm, change: bool
    ) -> None:
        """Nothing to save: the form closed the period while validating."""


@admin.register(Seal)
class SealAdmin(ReadOnlyAdmin):
    list_display = ["seq", "entry", "sealed_at"]
