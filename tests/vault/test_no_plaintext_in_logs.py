"""Neither logs, nor exception messages, nor reprs carry a plaintext or a key, also when things go wrong."""

import logging
import traceback
import uuid

import pytest
from django.conf import settings
from django.db import connection

from vault.api import (
    BlobInvalid,
    Erased,
    InvalidInput,
    access_log_list,
    field_open,
    field_seal,
    subject_create,
    subject_shred,
)
from vault.keys import keyring
from vault.models import AccessLog, DataKey, Subject


@pytest.fixture
def debug_sql(caplog):
    """Every log record at DEBUG, including each SQL statement with its parameters (as DEBUG=True logs)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = False


def _everything_said(caplog, errors) -> str:
    said = [caplog.text, *(record.getMessage() for record in caplog.records)]
    for error in errors:
        said += [str(error), repr(error), "".join(traceback.format_exception(error))]
    return "\n".join(said)


def test_no_plaintext_or_key_reaches_the_logs_or_errors_when_opening_fails(db, debug_sql):
    marker = f"MARKER-{uuid.uuid4().hex}"
    requester, other = subject_create(kind="requester"), subject_create(kind="donor")
    blob = field_seal(subject=requester, field="name", value=marker)
    errors: list[Exception] = []
    for attempt in (
        lambda: field_open(subject=other, field="name", blob=blob, reader_id=1, purpose="review"),
        lambda: field_open(subject=requester, field="contact", blob=blob, reader_id=1, purpose="review"),
        lambda: field_open(subject=requester, field="name", blob=blob[:-1], reader_id=1, purpose="review"),
        lambda: field_open(subject=requester, field="name", blob=blob, reader_id=1, purpose=marker),
        lambda: field_seal(subject=requester, field=marker, value=marker),
    ):
        with pytest.raises((BlobInvalid, InvalidInput)) as info:
            attempt()
        errors.append(info.value)
    assert field_open(subject=requester, field="name", blob=blob, reader_id=1, purpose="review") == marker
    subject_shred(subject=requester, by_id=1, reason="retention")
    with pytest.raises(Erased) as info:
        field_open(subject=requester, field="name", blob=blob, reader_id=1, purpose="review")
    errors.append(info.value)
    logging.getLogger("tadamun.test").exception("an error while handling a request", exc_info=errors[0])

    assert any("vault_accesslog" in record.getMessage() for record in debug_sql.records)  # SQL was logged
    said = _everything_said(debug_sql, errors)
    assert marker not in said
    assert marker.encode().hex() not in said
    master = keyring().current
    assert settings.VAULT_MASTER_KEYS.partition(":")[2] not in said
    assert master.key.hex() not in said


def test_wrapped_data_keys_stay_out_of_the_sql_log(db, debug_sql):
    """A wrapped key copied into a log file would let anyone with the master key undo a shredding."""
    subject = subject_create(kind="donor")
    wrapped = bytes(DataKey.objects.get(subject__reference=subject.reference).wrapped_key)
    subject_shred(subject=subject, by_id=None, reason="retention")
    said = _everything_said(debug_sql, [])
    assert wrapped.hex() not in said
    assert repr(wrapped)[2:-1] not in said


def test_reprs_and_strs_show_references_and_ids_only(requester):
    blob = field_seal(subject=requester, field="name", value="Sam")
    field_open(subject=requester, field="name", blob=blob, reader_id=1, purpose="review")
    ring = keyring()
    shown = " ".join(
        [
            repr(requester),
            repr(ring),
            repr(ring.current),
            str(ring.current),
            *(repr(record) for record in access_log_list(subject=requester)),
            str(Subject.objects.get()),
            repr(DataKey.objects.get()),
            str(AccessLog.objects.get()),
        ]
    )
    assert "Sam" not in shown
    assert settings.VAULT_MASTER_KEYS.partition(":")[2] not in shown
    assert str(ring.current.key) not in shown
    assert str(bytes(DataKey.objects.get().wrapped_key)) not in shown
