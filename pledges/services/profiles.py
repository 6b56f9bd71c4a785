"""Donors with an account: sign up, keep a profile (name and e-mail sealed by the vault), erase it."""

import logging
import secrets
from dataclasses import dataclass
from typing import Any

import pycountry
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ledger.api import currency_check
from pledges.exceptions import InvalidDonorProfile, MonthlyPledgeRunning, UsernameTaken
from pledges.models import Campaign, DonorProfile, Frequency, Pledge, PledgeStatus
from pledges.selectors import campaign_donor_counts, campaign_supporter_profiles
from users.models import User
from users.roles import Role
from users.services import user_role_assign, user_sign_in_records_forget, user_tokens_revoke
from vault import api as vault

logger = logging.getLogger(__name__)

NAME_FIELD = "display_name"
EMAIL_FIELD = "email"
# The name sealed again when its donor chose to show it; the public list opens only this.
PUBLIC_NAME_FIELD = "public_name"
# Fields of a profile anyone may set; the sealed ones go through the vault.
PLAIN_FIELDS = ("country", "language", "currency", "show_name")
SEALED_FIELDS = (NAME_FIELD, EMAIL_FIELD)


@dataclass(frozen=True)
class ProfileView:
    """A profile as its own donor sees it, the sealed fields opened (and logged)."""

    profile: DonorProfile
    display_name: str | None
    email: str | None


def _subject(profile: DonorProfile) -> vault.SubjectRef | None:
    if profile.subject is None:
        return None
    return vault.SubjectRef(reference=profile.subject, kind=vault.SubjectKind.DONOR)


def check_profile_terms(values: dict[str, Any]) -> dict[str, Any]:
    """Country (ISO 3166-1 alpha-2), language (one the site speaks), currency (ISO 4217), normalised."""
    checked = dict(values)
    if checked.get("country"):
        country = pycountry.countries.get(alpha_2=str(checked["country"]).upper())
        if country is None:
            raise InvalidDonorProfile("Unknown country: an ISO 3166-1 alpha-2 code such as `DE`.")
        checked["country"] = country.alpha_2
    if "language" in checked:
        known = {code for code, _name in settings.LANGUAGES}
        if checked["language"] not in known:
            raise InvalidDonorProfile("Unknown language: one of " + ", ".join(sorted(known)) + ".")
    if checked.get("currency"):
        checked["currency"] = str(checked["currency"]).upper()
        currency_check(checked["currency"])
    return checked


@transaction.atomic
def donor_register(*, username: str, password: str, profile: dict[str, Any] | None = None) -> User:
    """A donor account: a username (a pseudonym will do) and a password; a profile if given. No e-mail."""
    candidate = User(username=username)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as error:
        raise InvalidDonorProfile(" ".join(error.messages)) from None
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken()
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password)
    except IntegrityError:
        raise UsernameTaken() from None
    user_role_assign(user=user, role=Role.DONOR.value)
    donor_profile_update(donor=user, changes=profile or {})
    return user


def donor_profile_get(*, donor: User) -> DonorProfile | None:
    return DonorProfile.objects.filter(user=donor).first()


@transaction.atomic
def donor_profile_update(*, donor: User, changes: dict[str, Any]) -> DonorProfile:
    """Change a donor's profile; a display name or e-mail of None or "" removes it.

    The sealed fields are sealed under the profile's subject (made on first need,
    and anew after an erasure). Showing the name needs a name.
    """
    unknown = set(changes) - {*PLAIN_FIELDS, *SEALED_FIELDS}
    if unknown:
        raise InvalidDonorProfile("These cannot be changed: " + ", ".join(sorted(unknown)) + ".")
    changes = check_profile_terms(changes)
    profile, _created = DonorProfile.objects.select_for_update().get_or_create(user=donor)
    for field in PLAIN_FIELDS:
        if field in changes:
            setattr(profile, field, changes[field] or ("" if field != "show_name" else False))
    to_seal = {field: changes[field] for field in SEALED_FIELDS if changes.get(field)}
    if to_seal and profile.subject is None:
        profile.subject = vault.subject_create(kind=vault.SubjectKind.DONOR).reference
    subject = _subject(profile)
    sealed = vault.fields_seal(subject=subject, values=to_seal) if subject and to_seal else {}
    for field, column in ((NAME_FIELD, "name_sealed"), (EMAIL_FIELD, "email_sealed")):
        if field in sealed:
            setattr(profile, column, sealed[field])
        elif field in changes:
            setattr(profile, column, None)
    if profile.show_name and profile.name_sealed is None:
        raise InvalidDonorProfile("Showing your name needs a display name.")
    profile.public_name_sealed = _public_name_sealed(profile, donor, changes) if profile.show_name else None
    profile.save()
    return profile


def _public_name_sealed(profile: DonorProfile, donor: User, changes: dict[str, Any]) -> bytes | None:
    """The public copy of the name the donor agreed to show: sealed again here, never copied.

    Made only when this very request asks to show the name, or renames a donor
    who agreed before; a `show_name` set any other way (a row written outside
    this service) is never turned into a public copy.
    """
    subject = _subject(profile)
    current = bytes(profile.public_name_sealed) if profile.public_name_sealed is not None else None
    if subject is None:
        return None
    if changes.get("show_name") is not True and not (current and changes.get(NAME_FIELD)):
        return current
    name = changes.get(NAME_FIELD) or _open(
        profile, fields=(NAME_FIELD,), reader_id=donor.pk, purpose="donor_own"
    ).get(NAME_FIELD)
    if not name:
        return None
    return vault.fields_seal(subject=subject, values={PUBLIC_NAME_FIELD: name})[PUBLIC_NAME_FIELD]


def _open(profile: DonorProfile, *, fields: tuple[str, ...], reader_id: int | None, purpose: str) -> dict:
    subject = _subject(profile)
    columns = (
        (NAME_FIELD, profile.name_sealed),
        (EMAIL_FIELD, profile.email_sealed),
        (PUBLIC_NAME_FIELD, profile.public_name_sealed),
    )
    blobs = {field: bytes(blob) for field, blob in columns if field in fields and blob is not None}
    if subject is None or not blobs:
        return {}
    try:
        opened = vault.fields_open(subject=subject, blobs=blobs, reader_id=reader_id, purpose=purpose)
    except vault.Erased:
        return {}
    except vault.BlobInvalid:
        # Altered, or moved from another field or profile: not the donor's own doing.
        logger.warning("Donor profile %s: a sealed field does not open; left out", profile.pk)
        return {}
    return {field: value if isinstance(value, str) else value.decode() for field, value in opened.items()}


def donor_profile_open(*, donor: User) -> ProfileView | None:
    """The donor's own profile with its name and e-mail opened for them (purpose `donor_own`, logged)."""
    profile = donor_profile_get(donor=donor)
    if profile is None:
        return None
    opened = _open(profile, fields=SEALED_FIELDS, reader_id=donor.pk, purpose="donor_own")
    return ProfileView(profile=profile, display_name=opened.get(NAME_FIELD), email=opened.get(EMAIL_FIELD))


def donor_profile_email_open(*, profile: DonorProfile, purpose: str) -> str | None:
    """The profile's receipt e-mail, opened for `purpose` and logged; None if none or erased."""
    return _open(profile, fields=(EMAIL_FIELD,), reader_id=None, purpose=purpose).get(EMAIL_FIELD)


def donor_profile_names_open(*, profiles: list[DonorProfile], purpose: str) -> list[str]:
    """The display names of profiles that show them, each opening logged under `purpose`."""
    names = []
    for profile in profiles:
        if profile.show_name:
            opened = _open(profile, fields=(PUBLIC_NAME_FIELD,), reader_id=None, purpose=purpose)
            if name := opened.get(PUBLIC_NAME_FIELD):
                names.append(name)
    return names


@dataclass(frozen=True)
class Supporters:
    """Who gave to a campaign, as the public sees it: names chosen to be shown, and a count of the rest."""

    named: list[str]
    others: int


@transaction.atomic
def campaign_supporters_open(*, campaign: Campaign) -> Supporters:
    """The display names of the campaign's donors who chose `show_name`, opened for `public_listing`.

    Each opening is in the vault's access log. Nobody else is named: not a donor
    without an account, nor one who keeps the default. Names are sorted, so the
    order says nothing about who gave when or how much.
    """
    names = sorted(
        donor_profile_names_open(
            profiles=campaign_supporter_profiles(campaign=campaign), purpose="public_listing"
        )
    )
    donors = campaign_donor_counts([campaign.pk]).get(campaign.pk, 0)
    return Supporters(named=names, others=max(donors - len(names), 0))


@transaction.atomic
def donor_erase(*, donor: User) -> DonorProfile | None:
    """Crypto-shred what identifies a donor: the profile's name and e-mail, every pledge's e-mail.

    Pledges, contributions and receipts stay (the books add up and still verify);
    they were only ever known by random references.
    """
    profile = DonorProfile.objects.select_for_update().filter(user=donor).first()
    pledges = list(
        Pledge.objects.select_for_update().filter(donor=donor, donor_subject__isnull=False).order_by("pk")
    )
    subjects = [
        vault.SubjectRef(reference=p.donor_subject, kind=vault.SubjectKind.DONOR)
        for p in pledges
        if p.donor_subject is not None
    ]
    if profile is not None and profile.subject is not None:
        subjects.append(vault.SubjectRef(reference=profile.subject, kind=vault.SubjectKind.DONOR))
    if subjects:
        vault.subjects_shred(subjects=subjects, by_id=donor.pk, reason="donor_request")
    Pledge.objects.filter(pk__in=[p.pk for p in pledges]).update(email_sealed=None)
    if profile is not None:
        profile.subject = None
        profile.name_sealed = None
        profile.email_sealed = None
        profile.public_name_sealed = None
        profile.show_name = False
        profile.erased_at = timezone.now()
        profile.save()
    return profile


# A monthly pledge in one of these may still be charged: it must be cancelled first.
RUNNING = (PledgeStatus.PENDING, PledgeStatus.ACTIVE, PledgeStatus.PAST_DUE)


@transaction.atomic
def donor_account_close(*, donor: User) -> int:
    """Erase what identifies the donor, then close the account for good. Returns the pledges kept.

    The username the donor chose may be a name: it becomes a random one, and the
    records of sign-ins kept under it go. The
    password is made unusable, every token revoked and the account deactivated,
    so nobody signs in as it again. Pledges, contributions and receipts stay in
    the books under their random references. Refused while a monthly pledge may
    still be charged: the account is what cancels it.
    """
    user = User.objects.select_for_update().get(pk=donor.pk)
    if Pledge.objects.filter(donor=user, frequency=Frequency.MONTHLY, status__in=RUNNING).exists():
        raise MonthlyPledgeRunning()
    donor_erase(donor=user)
    user_sign_in_records_forget(username=user.username)
    user.username = f"closed-{secrets.token_hex(8)}"
    user.first_name = user.last_name = user.email = ""
    user.set_unusable_password()
    user.is_active = False
    user.save()
    user_tokens_revoke(user=user)
    return Pledge.objects.filter(donor=user).count()
