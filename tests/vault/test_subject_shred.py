"""Crypto-shredding: the data key is destroyed, the fields read as erased, the log keeps the record."""

import pytest

from tests.ledger.rawsql import as_superuser
from vault.api import (
    BlobInvalid,
    Erased,
    InvalidInput,
    access_log_list,
    field_open,
    field_seal,
    subject_is_erased,
    subject_shred,
    subjects_shred,
)
from vault.crypto import blob_open
from vault.models import DataKey


def _raw_key_row(subject):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT wrapped_key, master_key_id, shredded_at FROM vault_datakey d "
            "JOIN vault_subject s ON s.id = d.subject_id WHERE s.reference = %s",
            [subject.reference],
        )
        return cursor.fetchone()


def test_after_shredding_a_field_no_longer_opens_and_reads_as_erased(requester):
    blob = field_seal(subject=requester, field="name", value="Sam")
    field_open(subject=requester, field="name", blob=blob, reader_id=5, purpose="review")
    assert subject_shred(subject=requester, by_id=9, reason="retention") is True
    with pytest.raises(Erased) as info:
        field_open(subject=requester, field="name", blob=blob, reader_id=5, purpose="review")
    assert info.value.code == "erased"
    assert subject_is_erased(subject=requester)
    with pytest.raises(Erased):
        field_seal(subject=requester, field="name", value="new")


def test_shredding_destroys_the_wrapped_key_in_the_database(requester):
    assert _raw_key_row(requester)[0] is not None
    subject_shred(subject=requester, by_id=9, reason="retention")
    wrapped_key, master_key_id, shredded_at = _raw_key_row(requester)
    assert (wrapped_key, master_key_id) == (None, None)
    assert shredded_at is not None


def test_the_access_log_keeps_the_openings_and_the_shred_record(requester):
    blob = field_seal(subject=requester, field="contact", value="@sam")
    field_open(subject=requester, field="contact", blob=blob, reader_id=5, purpose="review")
    subject_shred(subject=requester, by_id=9, reason="donor_request")
    opened, shredded = access_log_list(subject=requester)
    assert (opened.action, opened.field, opened.reader_id) == ("open", "contact", 5)
    assert (shredded.action, shredded.field, shredded.reader_id, shredded.purpose) == (
        "shred",
        "",
        9,
        "donor_request",
    )


def test_shredding_twice_is_a_no_op_with_one_record(requester):
    assert subject_shred(subject=requester, by_id=1, reason="retention") is True
    assert subject_shred(subject=requester, by_id=1, reason="retention") is False
    assert [record.action for record in access_log_list(subject=requester)] == ["shred"]


def test_even_the_master_key_cannot_recover_a_shredded_field(requester):
    """Nothing left in the database opens the blob: the only copy of its key was the wrapped one."""
    blob = field_seal(subject=requester, field="name", value="Sam")
    subject_shred(subject=requester, by_id=1, reason="retention")
    with as_superuser():
        assert _raw_key_row(requester)[0] is None
    with pytest.raises(BlobInvalid):  # any key but the destroyed one fails
        blob_open(bytearray(32), requester.reference, "name", blob)


def test_many_subjects_shred_in_one_transaction(db):
    from vault.api import subject_create

    subjects = [subject_create(kind="requester") for _ in range(20)]
    subject_shred(subject=subjects[0], by_id=None, reason="retention")
    assert subjects_shred(subjects=subjects, by_id=None, reason="retention") == 19
    assert DataKey.objects.filter(wrapped_key__isnull=False).count() == 0
    assert all(subject_is_erased(subject=subject) for subject in subjects)


def test_a_shred_reason_is_a_short_code(requester):
    with pytest.raises(InvalidInput):
        subject_shred(subject=requester, by_id=1, reason="Sam asked us on Signal")
    assert not subject_is_erased(subject=requester)
