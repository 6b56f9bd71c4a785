"""Permission classes; the default denies."""

from rest_framework.permissions import BasePermission


class DenyAll(BasePermission):
    """Default: nobody may use an endpoint that does not say who may."""

    def has_permission(self, request, view) -> bool:  # noqa: ANN001
        return False
