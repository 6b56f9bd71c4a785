"""Django admin: references, kinds, master key ids and dates only; never a wrapped key, never a plaintext."""

from django.contrib import admin
from django.http import HttpRequest

from vault.models import AccessLog, DataKey, Subject


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Subject)
class SubjectAdmin(ReadOnlyAdmin):
    list_display = ["reference", "kind", "created_at"]
    fields = ("reference", "kind", "created_at")
    list_filter = ["kind"]
    search_fields = ["=reference"]


@admin.register(DataKey)
class DataKeyAdmin(ReadOnlyAdmin):
    list_display = ["subject_reference", "master_key_id", "created_at", "rewrapped_at", "shredded_at"]
    fields = ("subject_reference", "master_key_id", "created_at", "rewrapped_at", "shredded_at")
    readonly_fields = ["subject_reference"]
    list_filter = ["master_key_id"]
    list_select_related = ["subject"]

    @admin.display(description="subject")
    def subject_reference(self, obj: DataKey) -> str:
        return str(obj.subject.reference)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "subject_reference", "action", "field", "reader_id", "purpose"]
    fields = ("at", "subject_reference", "action", "field", "reader_id", "purpose")
    readonly_fields = ["subject_reference"]
    list_filter = ["action"]
    list_select_related = ["subject"]

    @admin.display(description="subject")
    def subject_reference(self, obj: AccessLog) -> str:
        return str(obj.subject.reference)
