"""A password change, by whatever path, revokes the user's API tokens."""

from unittest import mock

import pytest
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.management import call_command

from tests.factories import PASSWORD, UserFactory, token_for
from users.models import AuthToken, User
from users.services import user_password_set

NEW_PASSWORD = "a different long passphrase"


@pytest.fixture
def user(db) -> User:
    user = UserFactory()
    token_for(user)
    token_for(user)
    return User.objects.get(pk=user.pk)


def _tokens(user: User) -> int:
    return AuthToken.objects.filter(user=user).count()


def test_the_password_service_revokes_every_token(user):
    user_password_set(user=user, password=NEW_PASSWORD)
    assert _tokens(user) == 0


def test_the_admin_password_form_revokes_every_token(user):
    form = AdminPasswordChangeForm(user, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()
    assert _tokens(user) == 0


def test_the_changepassword_command_revokes_every_token(user):
    with mock.patch("getpass.getpass", return_value=NEW_PASSWORD):
        call_command("changepassword", user.username, stdout=mock.MagicMock())
    assert _tokens(user) == 0


def test_disabling_the_password_revokes_every_token(user):
    user.set_unusable_password()
    user.save()
    assert _tokens(user) == 0


def test_other_changes_to_the_user_keep_the_tokens(user):
    user.first_name = "Rana"
    user.save()
    assert _tokens(user) == 2


def test_re_hashing_an_unchanged_password_at_sign_in_keeps_the_tokens(user, settings):
    # A hasher upgrade makes check_password store a new hash of the same password.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.ScryptPasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert user.check_password(PASSWORD)
    assert User.objects.get(pk=user.pk).password.startswith("scrypt$")
    assert _tokens(user) == 2


def test_other_users_keep_their_tokens(user):
    other = UserFactory()
    token_for(other)
    user_password_set(user=user, password=NEW_PASSWORD)
    assert _tokens(other) == 1
