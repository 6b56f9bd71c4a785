"""Tokens: a username and password buy the user's token; DELETE revokes it."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

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


def _ask(username: str, password: str, client: APIClient | None = None):
    return (client or APIClient()).post(TOKEN, {"username": username, "password": password}, format="json")


def test_a_username_and_password_buy_the_user_s_token_and_it_opens_the_api(auditor_user):
    response = _ask(auditor_user.username, PASSWORD)
    assert response.status_code == 200
    key = response.json()["token"]
    assert key == Token.objects.get(user=auditor_user).key
    assert _ask(auditor_user.username, PASSWORD).json()["token"] == key  # the same token again

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(TRIAL_BALANCE).status_code == 200


def test_a_user_without_a_token_gets_a_new_one(auditor_user):
    Token.objects.filter(user=auditor_user).delete()
    response = _ask(auditor_user.username, PASSWORD)
    assert response.status_code == 200
    assert Token.objects.get(user=auditor_user).key == response.json()["token"]


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
    assert _ask(auditor_user.username, PASSWORD, client).status_code == 200


def test_password_guesses_are_throttled_after_ten_a_minute(auditor_user):
    answers = [_ask(auditor_user.username, f"guess {i}").status_code for i in range(10)]
    assert answers == [400] * 10
    response = _ask(auditor_user.username, PASSWORD)  # even the right password waits now
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_a_forged_forwarded_for_header_does_not_buy_more_guesses(auditor_user):
    # Each guess claims another client address; only the proxies the deployment
    # declares (DJANGO_NUM_PROXIES, none by default) are believed.
    answers = [
        APIClient(HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        .post(TOKEN, {"username": auditor_user.username, "password": f"guess {i}"}, format="json")
        .status_code
        for i in range(11)
    ]
    assert answers == [400] * 10 + [429]


def test_deleting_the_token_signs_the_user_out(auditor_user):
    key = _ask(auditor_user.username, PASSWORD).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.delete(TOKEN).status_code == 204
    assert not Token.objects.filter(user=auditor_user).exists()
    refused = client.get(TRIAL_BALANCE)
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    # A new sign-in issues a different token.
    assert _ask(auditor_user.username, PASSWORD).json()["token"] != key


def test_signing_out_needs_a_signed_in_user():
    response = APIClient().delete(TOKEN)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
