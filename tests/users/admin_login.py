"""Sign in through /admin/login/ as a person would: password and the authenticator's code."""

from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, totp_code

ADMIN_LOGIN = "/admin/login/"


def admin_login_post(
    client: Client, username: str, password: str = PASSWORD, otp: str = "", device: str = ""
):
    """POST the OTP admin login form (with the CSRF token a browser would send); follows nothing."""
    client.get(ADMIN_LOGIN)
    csrf = client.cookies["csrftoken"].value
    return client.post(
        ADMIN_LOGIN + "?next=/admin/",
        {
            "username": username,
            "password": password,
            "otp_device": device,
            "otp_token": otp,
            "csrfmiddlewaretoken": csrf,
        },
    )


def admin_login(user: AbstractBaseUser, client: Client | None = None) -> Client:
    """A client signed in to the admin (and so to the API's session) past the second factor."""
    client = client or Client()
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    if not user.has_usable_password():
        user.set_password(PASSWORD)
        user.save()
    response = admin_login_post(
        client, user.get_username(), otp=totp_code(device, steps_ahead=1), device=device.persistent_id
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def otp_force_login(client: Client, user: AbstractBaseUser) -> Client:
    """force_login, plus the session mark django-otp's login leaves: a verified admin session."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=True
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
