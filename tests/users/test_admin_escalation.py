"""An admin manages people and roles, but cannot make themselves more than an admin.

Without these limits one admin could tick `is_superuser`, give their own role
any permission, put themselves in the treasurer group, or set a treasurer's
password and, deleting the authenticator, hold the treasurer's account.
"""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory
from tests.users.admin_login import otp_force_login
from users.models import User
from users.services import roles_ensure, user_role_assign


def _staff(role: str) -> User:
    user = UserFactory()
    user_role_assign(user=user, role=role)
    TOTPDeviceFactory(user=user)
    return user


def _change(client: Client, user: User, **changes) -> int:
    """POST the user's admin change form as a browser would, with `changes` over its current values."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
        "groups": [str(g.pk) for g in user.groups.all()],
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": user.date_joined.time().strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
        **changes,
    }
    return client.post(
        f"/admin/users/user/{user.pk}/change/", {k: v for k, v in data.items() if v != ""}
    ).status_code


@pytest.fixture
def admin_user(db) -> User:
    roles_ensure()
    return _staff("admin")


def test_the_user_form_offers_an_admin_no_superuser_box_and_no_single_permissions(admin_user):
    client = otp_force_login(Client(), admin_user)
    donor = UserFactory()
    page = client.get(f"/admin/users/user/{donor.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    assert _change(client, donor, is_superuser="on") == 302
    donor.refresh_from_db()
    assert not donor.is_superuser and not donor.user_permissions.exists()


def test_an_admin_gives_others_roles_but_cannot_change_their_own(admin_user):
    client = otp_force_login(Client(), admin_user)
    treasurer_group = Group.objects.get(name="treasurer")
    colleague = UserFactory()
    assert _change(client, colleague, groups=[str(treasurer_group.pk)]) == 302
    assert colleague.groups.filter(name="treasurer").exists()

    own = [str(g.pk) for g in admin_user.groups.all()] + [str(treasurer_group.pk)]
    _change(client, admin_user, groups=own)
    assert not admin_user.groups.filter(name="treasurer").exists()


def test_an_admin_cannot_set_the_password_of_staff_or_reviewers_but_can_of_a_donor(admin_user):
    client = otp_force_login(Client(), admin_user)
    form = {"password1": "a brand new passphrase 77", "password2": "a brand new passphrase 77"}
    for role in ("treasurer", "reviewer", "auditor", "admin"):
        victim = _staff(role)
        assert client.post(f"/admin/users/user/{victim.pk}/password/", form).status_code == 403
        victim.refresh_from_db()
        assert victim.check_password(PASSWORD)
    donor = UserFactory()
    user_role_assign(user=donor, role="donor")
    assert client.post(f"/admin/users/user/{donor.pk}/password/", form).status_code == 302
    donor.refresh_from_db()
    assert donor.check_password("a brand new passphrase 77")


def test_an_admin_cannot_change_a_superuser_or_what_a_role_may_do(admin_user):
    client = otp_force_login(Client(), admin_user)
    root = UserFactory(is_superuser=True, is_staff=True)
    assert _change(client, root, email="taken@example.org") == 403
    root.refresh_from_db()
    assert root.email != "taken@example.org"
    admin_group = Group.objects.get(name="admin")
    assert client.get(f"/admin/auth/group/{admin_group.pk}/change/").status_code == 200  # can look
    assert client.post(f"/admin/auth/group/{admin_group.pk}/change/", {"name": "admin"}).status_code == 403
    assert client.get("/admin/auth/group/add/").status_code == 403
