"""The admin site: django-otp's, so a password alone never opens it."""

from django_otp.admin import OTPAdminSite


class StaffAdminSite(OTPAdminSite):
    """OTPAdminSite under the usual `admin` namespace, so `admin:` URL names keep working."""

    name = "admin"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
