"""Writes about people: role groups, API tokens, second-factor enrolment, passwords."""

import base64
import dataclasses
import datetime

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from users.exceptions import OtpAlreadyEnrolled, OtpInvalid, OtpNotEnrolled, OtpRequired
from users.models import AuthToken, User
from users.roles import ROLE_PERMISSIONS, STAFF_ROLES, Role
from users.selectors import ROLES_CACHE, otp_device_confirmed_get


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    """A token as handed to its holder: `key` is shown once, only its digest is stored."""

    key: str
    expiry: datetime.datetime | None
    otp_verified: bool
    token: AuthToken


@dataclasses.dataclass(frozen=True)
class OtpEnrolment:
    """What an authenticator app needs; shown once, at enrolment."""

    device_id: int
    provisioning_uri: str
    secret: str


def _permissions(names: tuple[str, ...]) -> list[Permission]:
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        if codename.endswith("*"):
            query |= Q(content_type__app_label=app_label, codename__startswith=codename[:-1])
        else:
            query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


@transaction.atomic
def roles_ensure() -> None:
    """Create the role groups and give each its admin permissions (safe to call often)."""
    for role in Role.values:
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set(_permissions(ROLE_PERMISSIONS.get(role, ())))


@transaction.atomic
def user_role_assign(*, user: User, role: str) -> None:
    """Put the user in the role's group; staff roles also open the admin (is_staff)."""
    name = Role(role).value
    group = Group.objects.filter(name=name).first()
    if group is None:
        roles_ensure()
        group = Group.objects.get(name=name)
    user.groups.add(group)
    if name in STAFF_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.__dict__.pop(ROLES_CACHE, None)


@transaction.atomic
def user_password_set(*, user: User, password: str) -> None:
    """Change a password; the user's API tokens are revoked with it (see User.save)."""
    user.set_password(password)
    user.save()


def _token_create(*, user: User, device: TOTPDevice | None) -> IssuedToken:
    # Authentication refuses (and deletes) an expired token only when it is
    # presented; the user's other expired ones go here, at the next sign-in.
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    token, key = AuthToken.objects.create(user=user, otp_device=device)
    return IssuedToken(key=key, expiry=token.expiry, otp_verified=device is not None, token=token)


def _otp_check(device: TOTPDevice, otp: str) -> None:
    # Not inside a transaction that the error rolls back: a wrong code must still
    # count against the device's throttle, and a right one must not be replayable.
    if not device.verify_token(otp):
        raise OtpInvalid()


def token_issue(*, user: User, otp: str | None = None) -> IssuedToken:
    """Issue a new token for an authenticated user.

    A user with a confirmed authenticator must send its current code, and gets a
    verified token; a user without one gets a token that is not (for staff,
    good only for enrolling a device). Each call issues a separate token.
    """
    device = otp_device_confirmed_get(user=user)
    if device is not None:
        if not otp:
            raise OtpRequired()
        _otp_check(device, otp)
    return _token_create(user=user, device=device)


def token_revoke(*, token: AuthToken) -> None:
    token.delete()


def user_tokens_revoke(*, user: User) -> int:
    """Revoke every token of the user; returns how many there were."""
    count, _ = AuthToken.objects.filter(user=user).delete()
    return count


@transaction.atomic
def otp_device_enrol(*, user: User) -> OtpEnrolment:
    """Start enrolling an authenticator; it counts only once confirmed with a code.

    Refused while the user has a confirmed one: replacing it would let whoever
    holds only the password take over the second factor.
    """
    if otp_device_confirmed_get(user=user) is not None:
        raise OtpAlreadyEnrolled()
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return OtpEnrolment(
        device_id=device.pk,
        provisioning_uri=device.config_url,
        secret=base64.b32encode(device.bin_key).decode("ascii"),
    )


def otp_device_confirm(*, user: User, otp: str, token: AuthToken | None = None) -> TOTPDevice:
    """Confirm the pending authenticator with a code from it.

    The token the user confirmed with has now passed both factors and becomes
    verified; the user's other unverified tokens are revoked.
    """
    if otp_device_confirmed_get(user=user) is not None:
        raise OtpAlreadyEnrolled()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise OtpNotEnrolled()
    _otp_check(device, otp)
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        unverified = AuthToken.objects.filter(user=user, otp_device__isnull=True)
        if token is not None:
            unverified = unverified.exclude(pk=token.pk)
            token.otp_device = device
            token.save(update_fields=["otp_device"])
        unverified.delete()
    return device


def user_sign_in_records_forget(*, username: str) -> int:
    """Delete django-axes' records of sign-ins and failed attempts under this username; returns how many.

    For an account closed for good: the username may be its owner's name, and
    those records keep it beside an address and a time.
    """
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    return sum(
        model.objects.filter(username=username).delete()[0]
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )
