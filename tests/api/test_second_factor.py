"""Staff need a second factor: enrolling a TOTP authenticator, and tokens that passed it."""

import pytest
from django.core.cache import cache
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from ledger.models import Entry
from tests.api.conftest import manual_body, post_entry
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory, totp_code
from users.services import user_role_assign

TOKEN = "/api/v1/auth/token/"
ENROL = "/api/v1/auth/otp/device/"
CONFIRM = "/api/v1/auth/otp/device/confirm/"
ACCOUNTS = "/api/v1/ledger/accounts/"


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def _user(role: str):
    user = UserFactory()
    user_role_assign(user=user, role=role)
    return user


def _sign_in(user, otp: str | None = None) -> tuple[APIClient, dict]:
    body = {"username": user.username, "password": PASSWORD} | ({"otp": otp} if otp else {})
    response = APIClient().post(TOKEN, body, format="json")
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client, response.json()


@pytest.mark.parametrize("role", ["treasurer", "auditor", "admin"])
def test_a_staff_token_without_a_second_factor_opens_nothing_but_enrolment(chart, role):
    client, body = _sign_in(_user(role))
    assert body["otp_verified"] is False
    response = client.get(ACCOUNTS)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "otp_required"


def test_an_unverified_treasurer_cannot_post(chart):
    client, _body = _sign_in(_user("treasurer"))
    response = post_entry(client, manual_body(chart))
    assert response.status_code == 403
    assert response.json()["code"] == "otp_required"
    assert Entry.objects.count() == 0


def test_enrolling_and_confirming_an_authenticator_verifies_the_token_and_opens_the_books(chart):
    user = _user("treasurer")
    client, _body = _sign_in(user)
    enrolled = client.post(ENROL)
    assert enrolled.status_code == 201
    assert enrolled["Cache-Control"] == "no-store"
    body = enrolled.json()
    assert body["provisioning_uri"].startswith("otpauth://totp/Tadamun%3A")
    assert f"secret={body['secret']}" in body["provisioning_uri"]
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False

    confirmed = client.post(CONFIRM, {"otp": totp_code(device)}, format="json")
    assert confirmed.status_code == 200
    assert confirmed.json() == {"otp_verified": True}
    assert post_entry(client, manual_body(chart)).status_code == 201


def test_confirming_revokes_the_other_tokens_issued_without_the_second_factor(chart):
    user = _user("auditor")
    client, _body = _sign_in(user)
    other, _ = _sign_in(user)
    client.post(ENROL)
    client.post(CONFIRM, {"otp": totp_code(TOTPDevice.objects.get(user=user))}, format="json")
    assert other.get(ACCOUNTS).status_code == 401


def test_a_wrong_code_does_not_confirm(chart):
    user = _user("treasurer")
    client, _body = _sign_in(user)
    client.post(ENROL)
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(CONFIRM, {"otp": wrong}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "otp_invalid"
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get(ACCOUNTS).json()["code"] == "otp_required"


def test_confirming_without_enrolling_is_a_conflict(chart):
    client, _body = _sign_in(_user("treasurer"))
    response = client.post(CONFIRM, {"otp": "123456"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "otp_not_enrolled"


def test_a_confirmed_authenticator_cannot_be_replaced_through_the_api(client_for):
    response = client_for("treasurer").post(ENROL)
    assert response.status_code == 409
    assert response.json()["code"] == "otp_already_enrolled"


def test_once_enrolled_a_token_needs_the_code(chart, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp slows retries after a wrong code
    user = _user("treasurer")
    device = TOTPDeviceFactory(user=user)
    response = APIClient().post(TOKEN, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "otp_required"

    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    body = {"username": user.username, "password": PASSWORD, "otp": wrong}
    response = APIClient().post(TOKEN, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "otp_invalid"

    client, body = _sign_in(user, otp=totp_code(device, steps_ahead=1))
    assert body["otp_verified"] is True
    assert client.get(ACCOUNTS).status_code == 200


def test_a_code_is_good_for_one_sign_in_only(chart):
    user = _user("auditor")
    device = TOTPDeviceFactory(user=user)
    code = totp_code(device)
    _sign_in(user, otp=code)
    body = {"username": user.username, "password": PASSWORD, "otp": code}
    response = APIClient().post(TOKEN, body, format="json")
    assert response.json()["code"] == "otp_invalid"


def test_people_without_a_staff_role_need_no_second_factor(chart):
    client, body = _sign_in(_user("donor"))
    assert body["otp_verified"] is False
    assert client.delete(TOKEN).status_code == 204


def test_enrolment_needs_a_signed_in_user():
    response = APIClient().post(ENROL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
