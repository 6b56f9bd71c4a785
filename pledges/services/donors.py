"""A donor's optional e-mail for receipts: sealed by the vault, opened for a purpose, erasable."""

import uuid

from django.db import transaction

from pledges.models import Pledge
from pledges.selectors import pledge_get_by_manage_code
from pledges.services.pledges import pledge_get_for_donor
from users.models import User
from vault import api as vault

EMAIL_FIELD = "email"


def donor_email_seal(*, email: str) -> tuple[uuid.UUID, bytes]:
    """A new donor subject and the e-mail sealed under its data key; nothing else keeps the e-mail."""
    subject = vault.subject_create(kind=vault.SubjectKind.DONOR)
    return subject.reference, vault.field_seal(subject=subject, field=EMAIL_FIELD, value=email)


def _subject(pledge: Pledge) -> vault.SubjectRef | None:
    if pledge.donor_subject is None:
        return None
    return vault.SubjectRef(reference=pledge.donor_subject, kind=vault.SubjectKind.DONOR)


def pledge_email_open(*, pledge: Pledge, reader_id: int | None, purpose: str) -> str | None:
    """The e-mail, opened for `purpose` (e.g. `receipt`) and logged by the vault; None if none or erased."""
    subject = _subject(pledge)
    if subject is None or pledge.email_sealed is None:
        return None
    try:
        value = vault.field_open(
            subject=subject,
            field=EMAIL_FIELD,
            blob=bytes(pledge.email_sealed),
            reader_id=reader_id,
            purpose=purpose,
        )
    except vault.Erased:
        return None
    return value if isinstance(value, str) else value.decode()


@transaction.atomic
def pledge_donor_erase(*, public_id: uuid.UUID, donor: User) -> Pledge:
    """Crypto-shred what identifies the donor of a pledge; the pledge and its money stay in the books."""
    return _pledge_email_erase(pledge_get_for_donor(public_id=public_id, donor=donor), by_id=donor.pk)


@transaction.atomic
def pledge_erase_by_manage_code(*, code: str) -> Pledge:
    """The same, for a pledge given without an account, with its manage code."""
    return _pledge_email_erase(pledge_get_by_manage_code(code=code), by_id=None)


def _pledge_email_erase(pledge: Pledge, *, by_id: int | None) -> Pledge:
    subject = _subject(pledge)
    if subject is not None:
        vault.subject_shred(subject=subject, by_id=by_id, reason="donor_request")
        # The blob could never be opened again; dropping it also says so without asking the vault.
        Pledge.objects.filter(pk=pledge.pk).update(email_sealed=None)
        pledge.email_sealed = None
    return pledge
