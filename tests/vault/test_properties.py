"""Property tests: any text or bytes round-trips, for any field name, and opens nowhere else."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault.api import BlobInvalid, field_open, field_seal
from vault.crypto import blob_open, blob_seal, data_key_generate
from vault.names import FIELD_PATTERN

values = st.text() | st.binary()
field_names = st.from_regex(FIELD_PATTERN, fullmatch=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=values)
def test_any_text_or_bytes_round_trips_through_the_vault(requester, value):
    blob = field_seal(subject=requester, field="narrative", value=value)
    opened = field_open(subject=requester, field="narrative", blob=blob, reader_id=1, purpose="review")
    assert opened == value
    assert type(opened) is type(value)


@settings(max_examples=200, deadline=None)
@given(value=values, field=field_names, other_field=field_names)
def test_a_sealed_value_opens_only_under_its_own_key_subject_and_field(value, field, other_field):
    key, reference = data_key_generate(), uuid.uuid4()
    blob = blob_seal(key, reference, field, value)
    assert blob_open(key, reference, field, blob) == value
    with pytest.raises(BlobInvalid):
        blob_open(key, uuid.uuid4(), field, blob)
    with pytest.raises(BlobInvalid):
        blob_open(data_key_generate(), reference, field, blob)
    if other_field != field:
        with pytest.raises(BlobInvalid):
            blob_open(key, reference, other_field, blob)
