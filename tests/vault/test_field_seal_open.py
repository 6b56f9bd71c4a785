"""Sealing and opening fields: round trips, the access log, and blobs that must not open."""

import uuid

import pytest

from tests.ledger.rawsql import as_superuser_without_triggers, execute
from vault.api import (
    BlobInvalid,
    DataKeyInvalid,
    InvalidInput,
    SubjectNotFound,
    SubjectRef,
    access_log_list,
    field_open,
    field_seal,
    fields_open,
    fields_seal,
    subject_create,
    subject_get,
)
from vault.models import AccessLog


def test_a_sealed_text_field_opens_to_the_same_text(requester):
    blob = field_seal(subject=requester, field="name", value="Layla Haddad — ليلى")
    assert field_open(subject=requester, field="name", blob=blob, reader_id=7, purpose="review") == (
        "Layla Haddad — ليلى"
    )


def test_a_sealed_bytes_field_opens_to_the_same_bytes(requester):
    document = bytes(range(256)) * 10
    blob = field_seal(subject=requester, field="document", value=document)
    opened = field_open(subject=requester, field="document", blob=blob, reader_id=7, purpose="review")
    assert opened == document
    assert isinstance(opened, bytes)


def test_the_blob_is_self_describing_and_never_the_same_twice(requester):
    first = field_seal(subject=requester, field="name", value="Sam")
    second = field_seal(subject=requester, field="name", value="Sam")
    assert first != second  # a fresh nonce each time: equal names do not give equal blobs
    assert first[0] == 1  # format version
    assert len(first) == 2 + 12 + len("Sam") + 16


def test_several_fields_seal_and_open_together_with_one_log_row_each(requester):
    blobs = fields_seal(subject=requester, values={"name": "Sam", "contact": "@sam", "payout": b"IBAN"})
    opened = fields_open(subject=requester, blobs=blobs, reader_id=3, purpose="payout")
    assert opened == {"name": "Sam", "contact": "@sam", "payout": b"IBAN"}
    assert sorted(record.field for record in access_log_list(subject=requester)) == [
        "contact",
        "name",
        "payout",
    ]


def test_every_opening_is_logged_with_who_which_field_when_and_why(requester):
    blob = field_seal(subject=requester, field="narrative", value="story")
    field_open(subject=requester, field="narrative", blob=blob, reader_id=42, purpose="review")
    field_open(subject=requester, field="narrative", blob=blob, reader_id=None, purpose="retention.export")
    first, second = access_log_list(subject=requester)
    assert (first.action, first.field, first.reader_id, first.purpose) == ("open", "narrative", 42, "review")
    assert first.at is not None and first.at <= second.at
    assert (second.reader_id, second.purpose) == (None, "retention.export")


def test_sealing_alone_is_not_logged(requester):
    field_seal(subject=requester, field="name", value="Sam")
    assert access_log_list(subject=requester) == []


def test_a_blob_moved_to_another_subject_does_not_open(requester, donor):
    blob = field_seal(subject=requester, field="name", value="Sam")
    with pytest.raises(BlobInvalid):
        field_open(subject=donor, field="name", blob=blob, reader_id=1, purpose="review")
    assert not AccessLog.objects.exists()  # nothing was read, so nothing is logged


def test_a_blob_moved_to_another_field_does_not_open(requester):
    blob = field_seal(subject=requester, field="name", value="Sam")
    with pytest.raises(BlobInvalid):
        field_open(subject=requester, field="contact", blob=blob, reader_id=1, purpose="review")


def test_a_blob_with_any_byte_changed_does_not_open(requester):
    blob = field_seal(subject=requester, field="name", value="Sam")
    for position in range(len(blob)):
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        with pytest.raises(BlobInvalid):
            field_open(subject=requester, field="name", blob=bytes(tampered), reader_id=1, purpose="review")


def test_a_cut_or_empty_blob_does_not_open(requester):
    blob = field_seal(subject=requester, field="name", value="Sam")
    for cut in (b"", blob[:1], blob[:14], blob[:-1]):
        with pytest.raises(BlobInvalid):
            field_open(subject=requester, field="name", blob=cut, reader_id=1, purpose="review")


def test_text_and_bytes_cannot_be_swapped_by_editing_the_header(requester):
    blob = bytearray(field_seal(subject=requester, field="name", value="Sam"))
    blob[1] = 0  # claim it holds bytes
    with pytest.raises(BlobInvalid):
        field_open(subject=requester, field="name", blob=bytes(blob), reader_id=1, purpose="review")


def test_a_data_key_moved_to_another_subject_does_not_unwrap(requester, donor):
    blob = field_seal(subject=requester, field="name", value="Sam")
    # Only a superuser with triggers off can copy one subject's wrapped key onto another's row;
    # its associated data names the first subject, so it does not unwrap for the second.
    with as_superuser_without_triggers():
        execute(
            "UPDATE vault_datakey d SET wrapped_key = r.wrapped_key FROM vault_datakey r "
            "WHERE d.subject_id = (SELECT id FROM vault_subject WHERE reference = %s) "
            "AND r.subject_id = (SELECT id FROM vault_subject WHERE reference = %s)",
            [donor.reference, requester.reference],
        )
    with pytest.raises(DataKeyInvalid):
        field_open(subject=donor, field="name", blob=blob, reader_id=1, purpose="review")


def test_field_names_and_purposes_are_short_codes_not_free_text(requester):
    with pytest.raises(InvalidInput):
        field_seal(subject=requester, field="Name of person", value="x")
    blob = field_seal(subject=requester, field="name", value="x")
    with pytest.raises(InvalidInput):
        field_open(subject=requester, field="name", blob=blob, reader_id=1, purpose="because Sam asked")
    with pytest.raises(InvalidInput):
        field_seal(subject=requester, field="name", value=12)  # type: ignore[arg-type]


def test_subjects_have_random_references_and_a_known_kind(db):
    subjects = [subject_create(kind="donor") for _ in range(5)]
    assert all(subject.reference.version == 4 for subject in subjects)
    assert len({subject.reference for subject in subjects}) == 5
    assert subject_get(reference=str(subjects[0].reference)) == subjects[0]
    with pytest.raises(InvalidInput):
        subject_create(kind="reviewer")


def test_an_unknown_reference_is_not_found(db):
    stranger = SubjectRef(reference=uuid.uuid4(), kind="donor")
    with pytest.raises(SubjectNotFound):
        field_seal(subject=stranger, field="name", value="x")
    with pytest.raises(SubjectNotFound):
        subject_get(reference="not-a-uuid")
