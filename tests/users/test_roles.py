"""Roles: groups with admin permissions per role, and staff roles open the admin."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory
from users.roles import Role
from users.selectors import user_has_role, user_needs_second_factor
from users.services import roles_ensure, user_role_assign


def _codenames(role: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


@pytest.mark.parametrize("role", ["treasurer", "auditor", "admin"])
def test_staff_roles_open_the_admin_and_need_a_second_factor(db, role):
    user = UserFactory()
    user_role_assign(user=user, role=role)
    user.refresh_from_db()
    assert user.is_staff
    assert user_has_role(user, role)
    assert user_needs_second_factor(user)


@pytest.mark.parametrize("role", ["donor", "requester"])
def test_other_roles_do_not(db, role):
    user = UserFactory()
    user_role_assign(user=user, role=role)
    user.refresh_from_db()
    assert not user.is_staff
    assert not user_needs_second_factor(user)


def test_a_reviewer_reads_identifying_data_so_needs_a_second_factor_but_not_the_admin(db):
    user = UserFactory()
    user_role_assign(user=user, role="reviewer")
    user.refresh_from_db()
    assert not user.is_staff
    assert user_needs_second_factor(user)


def test_auditors_may_only_view_the_books_and_the_disbursements(db):
    roles_ensure()
    auditor = _codenames(Role.AUDITOR)
    assert {"ledger.view_entry", "ledger.view_posting", "ledger.view_account", "ledger.view_fund"} <= auditor
    assert {"payouts.view_disbursement", "payouts.view_disbursementapproval"} <= auditor
    assert all(name.startswith(("ledger.view_", "payouts.view_")) for name in auditor)


def test_treasurers_view_the_books_and_add_funds_and_closed_periods(db):
    roles_ensure()
    treasurer = _codenames(Role.TREASURER)
    assert {"ledger.view_entry", "ledger.add_fund", "ledger.add_closedperiod"} <= treasurer
    assert "payouts.view_disbursement" in treasurer
    assert not any(
        name.startswith(("ledger.change_", "ledger.delete_", "users.", "payouts.change_", "payouts.add_"))
        for name in treasurer
    )


def test_admins_manage_users_and_their_roles_but_not_what_a_role_may_do(db):
    roles_ensure()
    admin = _codenames(Role.ADMIN)
    assert {"users.add_user", "users.change_user", "auth.view_group", "otp_totp.delete_totpdevice"} <= admin
    assert not {"auth.add_group", "auth.change_group", "auth.delete_group"} & admin
    assert not any(name.startswith(("ledger.change_", "ledger.delete_")) for name in admin)


def test_roles_ensure_is_safe_to_run_again(db):
    roles_ensure()
    before = {role: _codenames(role) for role in Role.values}
    roles_ensure()
    assert {role: _codenames(role) for role in Role.values} == before
    assert Group.objects.count() == len(Role.values)
