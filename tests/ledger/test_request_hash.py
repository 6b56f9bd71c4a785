"""The request hash is SHA-256 of the request as canonical JSON: sorted keys, compact separators."""

import datetime
import hashlib
import json
import uuid
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ledger.services import EntrySpec, FxRate, PostingSpec, SourceRef, request_hash

texts = st.text(max_size=20)
ids = st.integers(min_value=1, max_value=2**62)
legs = st.lists(
    st.builds(
        PostingSpec,
        account_id=ids,
        fund_id=ids,
        currency=st.sampled_from(["EUR", "JPY", "KWD", "USD"]),
        amount=st.integers(min_value=-(10**15), max_value=10**15).filter(bool),
    ),
    min_size=2,
    max_size=6,
)
specs = st.builds(
    EntrySpec,
    idempotency_key=st.builds(uuid.uuid4),
    postings=legs.map(tuple),
    date=st.dates(min_value=datetime.date(2000, 1, 1)),
    kind=st.sampled_from(["manual", "reversal", "fx_conversion", "contribution"]),
    memo=texts,
    source=st.none() | st.builds(SourceRef, type=texts, id=texts),
    fx=st.none()
    | st.builds(
        FxRate,
        rate=st.decimals(min_value=Decimal("1e-12"), allow_nan=False, allow_infinity=False),
        source=texts,
    ),
    reverses_id=st.none() | ids,
    created_by_id=st.none() | ids,
)


def _canonical(spec: EntrySpec) -> bytes:
    """The hash as documented: the request as sorted-key, compact JSON."""
    document = {
        "date": spec.date.isoformat(),
        "kind": str(spec.kind),
        "memo": spec.memo,
        "source": [spec.source.type, spec.source.id] if spec.source else None,
        "fx": [str(spec.fx.rate), spec.fx.source] if spec.fx else None,
        "reverses": spec.reverses_id,
        "by": spec.created_by_id,
        "legs": [[p.account_id, p.fund_id, p.currency, p.amount] for p in spec.postings],
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).digest()


@given(specs)
def test_the_request_hash_is_the_canonical_json_of_the_request(spec):
    assert request_hash(spec, list(spec.postings)) == _canonical(spec)
