"""Token authentication reads the token, its user and the user's roles in one query, every request.

Nothing about a token outlives the request that presented it: revoking, expiring,
deactivating, a role taken away or an authenticator removed counts at the next request.
"""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory, token_for, totp_code
from users.models import AuthToken, User
from users.selectors import ROLES_CACHE, auth_tokens_with_key
from users.services import token_issue, user_password_set, user_role_assign

ACCOUNTS = "/api/v1/ledger/accounts/"
TOKEN = "/api/v1/auth/token/"


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _refused(response) -> bool:
    return response.status_code == 401 and response.json()["code"] == "authentication_failed"


@pytest.fixture
def auditor(make_user):
    """(user, client) of an auditor whose token passed the second factor."""
    user, token = make_user("auditor")
    return user, _client(token.key)


def test_a_request_reads_its_token_user_and_roles_in_one_query(auditor, chart):
    _user, client = auditor
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ACCOUNTS).status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    about_auth = [q for q in sql if "users_authtoken" in q or "auth_group" in q or "otp_totp" in q]
    assert len(about_auth) == 1, about_auth
    assert "users_authtoken" in about_auth[0] and "auth_group" in about_auth[0]
    # knox's sweep of the user's other tokens is not run per request.
    assert not any("DELETE" in q or "UPDATE" in q for q in sql)


def test_the_user_read_with_the_token_is_the_user_the_orm_reads(make_user):
    user, token = make_user("treasurer")
    user_role_assign(user=user, role="auditor")
    (found,) = auth_tokens_with_key(token_key=token.token.token_key)
    orm = User.objects.get(pk=user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(found.user, field.attname) == getattr(orm, field.attname), field.name
    assert getattr(found.user, ROLES_CACHE) == frozenset({"treasurer", "auditor"})
    assert found.pk == token.token.pk and found.otp_device_id == token.token.otp_device_id
    assert found.expiry == AuthToken.objects.get(pk=token.token.pk).expiry


def test_a_token_revoked_between_two_requests_is_refused_at_once(auditor, chart):
    user, client = auditor
    assert client.get(ACCOUNTS).status_code == 200
    AuthToken.objects.filter(user=user).delete()
    assert _refused(client.get(ACCOUNTS))


def test_a_password_change_refuses_the_old_token_at_the_next_request(auditor, chart):
    user, client = auditor
    assert client.get(ACCOUNTS).status_code == 200
    user_password_set(user=User.objects.get(pk=user.pk), password="a different long passphrase")
    assert _refused(client.get(ACCOUNTS))


def test_a_token_that_expires_between_two_requests_is_refused_and_removed(auditor, chart):
    user, client = auditor
    assert client.get(ACCOUNTS).status_code == 200
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    assert _refused(client.get(ACCOUNTS))
    assert not AuthToken.objects.filter(user=user).exists()


def test_an_expired_token_is_refused_while_the_users_other_tokens_still_work(make_user, chart):
    user, token = make_user("auditor")
    other = token_for(user, token.token.otp_device)
    AuthToken.objects.filter(pk=token.token.pk).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    assert _refused(_client(token.key).get(ACCOUNTS))
    assert _client(other.key).get(ACCOUNTS).status_code == 200


def test_signing_in_sweeps_the_users_expired_tokens(make_user):
    user = UserFactory()
    stale, live = token_for(user), token_for(user)
    AuthToken.objects.filter(pk=stale.token.pk).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    issued = token_issue(user=user)
    assert set(AuthToken.objects.filter(user=user).values_list("pk", flat=True)) == {
        live.token.pk,
        issued.token.pk,
    }


def test_a_user_deactivated_between_two_requests_is_refused(auditor, chart):
    user, client = auditor
    assert client.get(ACCOUNTS).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(ACCOUNTS).status_code == 401


def test_a_role_taken_away_counts_at_the_next_request(auditor, chart):
    user, client = auditor
    assert client.get(ACCOUNTS).status_code == 200
    user.groups.remove(Group.objects.get(name="auditor"))
    response = client.get(ACCOUNTS)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_removed_authenticator_takes_its_tokens_with_it(auditor, chart):
    user, client = auditor
    assert client.get(ACCOUNTS).status_code == 200
    user.totpdevice_set.all().delete()
    assert _refused(client.get(ACCOUNTS))


def test_a_staff_token_issued_without_the_second_factor_still_needs_it(chart):
    user = UserFactory()
    user_role_assign(user=user, role="treasurer")
    client = _client(token_for(user).key)
    response = client.get(ACCOUNTS)
    assert response.status_code == 403
    assert response.json()["code"] == "otp_required"


@pytest.mark.parametrize(
    "header",
    [
        "Token " + "é" * 64,  # not UTF-8 once read as the header's bytes
        "Token " + "z" * 64,  # not hexadecimal
        "Token " + "0" * 15,  # a key prefix alone
        "Token",
        "Token a b",
    ],
    ids=["not-utf-8", "not-hex", "prefix-only", "no-key", "spaces"],
)
def test_a_malformed_token_is_refused_not_an_error(auditor, chart, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ACCOUNTS)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_token_with_the_right_key_prefix_and_a_wrong_rest_is_refused(chart, make_user):
    _user, token = make_user("auditor")
    forged = token.key[:15] + ("0" if token.key[15] != "0" else "1") + token.key[16:]
    assert _refused(_client(forged).get(ACCOUNTS))
    assert AuthToken.objects.filter(pk=token.token.pk).exists()


def test_a_signed_in_staff_users_roles_and_second_factor_come_from_the_token(chart):
    user = UserFactory()
    user_role_assign(user=user, role="auditor")
    device = TOTPDeviceFactory(user=user)
    body = {"username": user.username, "password": PASSWORD, "otp": totp_code(device)}
    key = APIClient().post(TOKEN, body, format="json").json()["token"]
    assert _client(key).get(ACCOUNTS).status_code == 200
