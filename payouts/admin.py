"""Admin pages: disbursements read-only (writes go through the API); admins set funds' daily payout limits."""

from django.contrib import admin
from django.http import HttpRequest

from payouts.models import Disbursement, DisbursementApproval, FundPayoutLimit


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ApprovalInline(admin.TabularInline):
    model = DisbursementApproval
    extra = 0
    fields = readonly_fields = ("approver", "approved_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Disbursement | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Disbursement | None = None) -> bool:
        return False


@admin.register(Disbursement)
class DisbursementAdmin(_ReadOnly):
    """The grant's public reference, money, rail, status and dates; nothing about who is paid."""

    list_display = (
        "reference",
        "grant_request",
        "fund",
        "currency",
        "amount",
        "rail",
        "status",
        "proposed_at",
    )
    list_filter = ("status", "rail", "currency")
    search_fields = ("reference", "grant_request__reference")
    list_select_related = ("grant_request", "fund")
    readonly_fields = fields = (
        "reference",
        "grant_request",
        "fund",
        "currency",
        "amount",
        "rail",
        "status",
        "needs_second_approval",
        "proposed_by",
        "proposed_at",
        "approved_at",
        "sent_by",
        "sent_at",
        "rail_reference",
        "sent_entry_id",
        "failed_by",
        "failed_at",
        "failure_reason",
        "failure_entry_id",
        "cancelled_by",
        "cancelled_at",
    )
    inlines = [ApprovalInline]


@admin.register(FundPayoutLimit)
class FundPayoutLimitAdmin(admin.ModelAdmin):
    """Admins hold a fund to a daily payout limit per currency; treasurers and auditors read them."""

    list_display = ("fund", "currency", "daily_limit")
    list_select_related = ("fund",)
    fields = ("fund", "currency", "daily_limit")
