"""App configs: the users app, and the admin app serving the OTP-guarded admin site."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class UsersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "users"


class OTPAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin whose default site asks every user for a TOTP code."""

    default = False  # named in INSTALLED_APPS; UsersConfig stays this module's default
    default_site = "users.admin_site.StaffAdminSite"
