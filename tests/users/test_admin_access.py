"""The admin asks everyone for a TOTP code; treasurers and auditors see what their role allows."""

import pytest
from django.contrib import admin
from django.test import Client

from tests.factories import TOTPDeviceFactory, UserFactory
from tests.users.admin_login import admin_login, admin_login_post
from users.services import user_role_assign


def _staff(role: str):
    user = UserFactory()
    user_role_assign(user=user, role=role)
    TOTPDeviceFactory(user=user)
    return user


def test_the_admin_is_django_otp_s_site():
    from django_otp.admin import OTPAdminSite

    assert isinstance(admin.site, OTPAdminSite)


def test_drf_s_plaintext_token_page_is_gone():
    registered = {model._meta.label for model in admin.site._registry}
    assert "authtoken.Token" not in registered
    assert "authtoken.TokenProxy" not in registered
    assert "users.AuthToken" in registered


@pytest.mark.parametrize("role", ["treasurer", "auditor", "admin"])
def test_a_password_alone_does_not_open_the_admin(db, role):
    user = _staff(role)
    client = Client()
    response = admin_login_post(client, user.username)
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_an_auditor_views_the_books_and_changes_nothing(db):
    client = admin_login(_staff("auditor"))
    assert client.get("/admin/ledger/entry/").status_code == 200
    assert client.get("/admin/ledger/fund/add/").status_code == 403
    assert client.get("/admin/users/user/").status_code == 403


def test_a_treasurer_views_the_books(db):
    client = admin_login(_staff("treasurer"))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/ledger/account/").status_code == 200
    assert client.get("/admin/users/user/").status_code == 403


def test_an_admin_manages_users(db):
    client = admin_login(_staff("admin"))
    assert client.get("/admin/users/user/").status_code == 200
    assert client.get("/admin/auth/group/").status_code == 200
    assert client.get("/admin/ledger/entry/").status_code == 200
