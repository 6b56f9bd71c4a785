"""The hash chain's canonical serialisation of an entry and its digest."""

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

ZERO_HASH = bytes(32)

# Column order the sealer and the verifier both read entries and postings in.
ENTRY_COLUMNS = (
    "id, idempotency_key, date, kind, memo, source_type, source_id, reverses_id, "
    "fx_rate, fx_rate_source, leg_count, created_by_id, created_at"
)
POSTING_COLUMNS = "entry_id, leg_no, account_id, fund_id, currency, amount"


def _text(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, (datetime.date, Decimal)):
        return str(value)
    if value is None or isinstance(value, (int, str)):
        return value
    return str(value)


def entry_digest(
    *, seq: int, prev_hash: bytes, entry: Sequence[Any], postings: Sequence[Sequence[Any]]
) -> bytes:
    """SHA-256 over the sealed position, the entry row and its postings.

    `entry` is a row in ENTRY_COLUMNS order; `postings` rows in POSTING_COLUMNS
    order, sorted by leg number. Keys are sorted and separators fixed, so the
    serialisation is canonical.
    """
    document = {
        "seq": seq,
        "prev": prev_hash.hex(),
        "entry": [_text(v) for v in entry],
        "postings": [[_text(v) for v in row[1:]] for row in postings],
    }
    payload = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode()).digest()


def postings_by_entry(cursor: Any, entry_ids: Sequence[int]) -> dict[int, list[tuple]]:
    """The postings of these entries as the digest reads them: POSTING_COLUMNS rows by leg number.

    The sealer and the verifier both read through here, so they hash the same rows.
    """
    cursor.execute(
        f"SELECT {POSTING_COLUMNS} FROM ledger_posting WHERE entry_id = ANY(%s) ORDER BY entry_id, leg_no",
        [list(entry_ids)],
    )
    postings: dict[int, list[tuple]] = defaultdict(list)
    for row in cursor.fetchall():
        postings[row[0]].append(row)
    return postings
