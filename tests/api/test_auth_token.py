"""Tokens: a username, password and TOTP code buy a new token; DELETE revokes it."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests.factories import totp_code
from users.models import AuthToken

TOKEN = "/api/v1/auth/token/"
TRIAL_BALANCE = "/api/v1/ledger/trial-balance/"
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The throttle counts in the cache; every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def auditor_user(make_user):
    user, _token = make_user("auditor")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def no_lockout(settings):
    """Lockout out of the way, to see the throttle on its own."""
    settings.AXES_FAILURE_LIMIT = 1000


def _code(user, steps_ahead: int = 0) -> str:
    return totp_code(TOTPDevice.objects.get(user=user), steps_ahead)


def _ask(username: str, password: str, client: APIClient | None = None, otp: str | None = None):
    body = {"username": username, "password": password} | ({"otp": otp} if otp else {})
    return (client or APIClient()).post(TOKEN, body, format="json")


def test_a_username_password_and_code_buy_a_new_token_that_opens_the_api(auditor_user):
    response = _ask(auditor_user.username, PASSWORD, otp=_code(auditor_user))
    assert response.status_code == 200
    body = response.json()
    key = body["token"]
    assert body["otp_verified"] is True
    assert body["expiry"]
    # Each sign-in is a token of its own (one per device or client).
    again = _ask(auditor_user.username, PASSWORD, otp=_code(auditor_user, steps_ahead=1)).json()["token"]
    assert again != key

    for token in (key, again):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get(TRIAL_BALANCE).status_code == 200


def test_tokens_are_stored_as_digests_only(auditor_user):
    key = _ask(auditor_user.username, PASSWORD, otp=_code(auditor_user)).json()["token"]
    stored = AuthToken.objects.filter(user=auditor_user).values_list("digest", "token_key")
    assert all(key not in (digest, token_key) for digest, token_key in stored)
    assert any(key.startswith(token_key) for _digest, token_key in stored)


@pytest.mark.parametrize("case", ["wrong password", "unknown user", "disabled account"])
def test_bad_credentials_get_one_answer_that_names_no_user(auditor_user, case):
    username, password = auditor_user.username, PASSWORD
    if case == "wrong password":
        password = "not it"
    elif case == "unknown user":
        username = "nobody-here"
    else:
        get_user_model().objects.filter(pk=auditor_user.pk).update(is_active=False)
    response = _ask(username, password)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid_credentials"
    assert body["detail"] == "The username or password is wrong, or the account is disabled."
    assert auditor_user.username not in response.content.decode()


def test_a_request_without_a_password_is_a_validation_problem():
    response = APIClient().post(TOKEN, {"username": "someone"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"] == [
        {"detail": "This field is required.", "code": "required", "pointer": "#/password"}
    ]


def test_a_stale_token_sent_along_does_not_stand_in_the_way(auditor_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    assert _ask(auditor_user.username, PASSWORD, client, otp=_code(auditor_user)).status_code == 200


def test_password_guesses_are_throttled_after_ten_a_minute(auditor_user, no_lockout):
    answers = [_ask(auditor_user.username, f"guess {i}").status_code for i in range(10)]
    assert answers == [400] * 10
    response = _ask(auditor_user.username, PASSWORD)  # even the right password waits now
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_a_forged_forwarded_for_header_does_not_buy_more_guesses(auditor_user, no_lockout):
    # Each guess claims another client address; only the proxies the deployment
    # declares (DJANGO_NUM_PROXIES, none by default) are believed.
    answers = [
        APIClient(HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        .post(TOKEN, {"username": auditor_user.username, "password": f"guess {i}"}, format="json")
        .status_code
        for i in range(11)
    ]
    assert answers == [400] * 10 + [429]


def test_deleting_a_token_signs_that_client_out_and_no_other(auditor_user):
    key = _ask(auditor_user.username, PASSWORD, otp=_code(auditor_user)).json()["token"]
    other = _ask(auditor_user.username, PASSWORD, otp=_code(auditor_user, 1)).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.delete(TOKEN).status_code == 204
    refused = client.get(TRIAL_BALANCE)
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    still = APIClient()
    still.credentials(HTTP_AUTHORIZATION=f"Token {other}")
    assert still.get(TRIAL_BALANCE).status_code == 200


def test_signing_out_needs_a_signed_in_user():
    response = APIClient().delete(TOKEN)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_expired_token_is_refused_and_removed(auditor_user):
    key = _ask(auditor_user.username, PASSWORD, otp=_code(auditor_user)).json()["token"]
    AuthToken.objects.filter(user=auditor_user).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(TRIAL_BALANCE)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not AuthToken.objects.filter(user=auditor_user).exists()


def test_a_token_lives_as_long_as_the_setting_says(auditor_user, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": datetime.timedelta(hours=2)}
    before = timezone.now()
    _ask(auditor_user.username, PASSWORD, otp=_code(auditor_user))
    expiry = AuthToken.objects.get(user=auditor_user).expiry
    assert before + datetime.timedelta(hours=2) <= expiry <= timezone.now() + datetime.timedelta(hours=2)
