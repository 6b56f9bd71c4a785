"""factory-boy factories for people: users, confirmed authenticators, and TOTP codes for them."""

import time

import factory
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from users.models import AuthToken, User
from users.services import IssuedToken

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a known password (PASSWORD) and no role."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user-{n}")
    password = factory.django.Password(PASSWORD)


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed TOTP authenticator."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "authenticator"
    confirmed = True


def totp_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The device's code now (or `steps_ahead` periods later, to avoid a replay within one period)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def token_for(user: User, device: TOTPDevice | None = None) -> IssuedToken:
    """A token as the API issues it; verified by `device` when one is given."""
    token, key = AuthToken.objects.create(user=user, otp_device=device)
    return IssuedToken(key=key, expiry=token.expiry, otp_verified=device is not None, token=token)
