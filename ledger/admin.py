"""Django admin: ledger rows are visible, never editable."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ledger.models import Account, Balance, Checkpoint, ClosedPeriod, Entry, Fund, Posting, Seal
from ledger.selectors import balance_list


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


class PostingInline(admin.TabularInline):
    model = Posting
    extra = 0
    can_delete = False
    readonly_fields = ["leg_no", "account", "fund", "currency", "amount"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
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
class FundAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "restricted"]


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
        return balance.current


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["id", "posting_horizon", "previous_horizon", "created_at"]


@admin.register(ClosedPeriod)
class ClosedPeriodAdmin(ReadOnlyAdmin):
    list_display = ["start_date", "end_date", "closed_at", "closed_by"]


@admin.register(Seal)
class SealAdmin(ReadOnlyAdmin):
    list_display = ["seq", "entry", "sealed_at"]
