"""Admin pages for grants: fund rules, and requests shown without anything that identifies a person."""

from django.contrib import admin
from django.http import HttpRequest

from grants.models import Attachment, CategoryCap, Decision, GrantFund, GrantRequest


class CategoryCapInline(admin.TabularInline):
    model = CategoryCap
    extra = 0


@admin.register(GrantFund)
class GrantFundAdmin(admin.ModelAdmin):
    list_display = ["fund", "currency", "max_per_request", "accepting"]
    inlines = [CategoryCapInline]


class AttachmentInline(admin.TabularInline):
    """A request's documents by id, type, size and date; their content and names stay sealed."""

    model = Attachment
    extra = 0
    fields = readonly_fields = ("public_id", "content_type", "size", "question", "created_at")
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: GrantRequest | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: GrantRequest | None = None) -> bool:
        return False


@admin.register(GrantRequest)
class GrantRequestAdmin(admin.ModelAdmin):
    """Read-only, and nothing sealed is shown or opened here: changes go through the API's services."""

    list_display = ["reference", "fund", "category", "country", "currency", "amount_requested", "status"]
    list_filter = ["status", "category", "fund"]
    search_fields = ["reference"]
    readonly_fields = (
        "reference",
        "fund",
        "category",
        "country",
        "currency",
        "amount_requested",
        "urgency",
        "status",
        "approved_amount",
        "decline_reason",
        "decided_at",
        "commitment_entry_id",
        "created_at",
        "submitted_at",
        "closed_at",
        "shredded_at",
    )
    fields = readonly_fields
    inlines = [AttachmentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: GrantRequest | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: GrantRequest | None = None) -> bool:
        return False


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("request", "round", "outcome", "amount", "decline_reason", "decided_at")
    readonly_fields = fields = ("request", "round", "outcome", "amount", "decline_reason", "decided_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Decision | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Decision | None = None) -> bool:
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Documents' public facts only: nothing is decrypted here (downloads go through the API, logged)."""

    list_display = ("public_id", "request", "content_type", "size", "created_at")
    list_filter = ("content_type",)
    search_fields = ("request__reference",)
    list_select_related = ("request",)
    readonly_fields = fields = ("public_id", "request", "question", "content_type", "size", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Attachment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Attachment | None = None) -> bool:
        return False
