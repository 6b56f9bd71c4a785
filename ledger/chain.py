"""The hash chain's canonical serialisation of an entry and its digest."""

import datetime
import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

ZERO_HASH = bytes(32)


class EntryRow(NamedTuple):
    """An entry as the chain hashes it, in this column order."""

    id: int
    idempotency_key: uuid.UUID
    date: datetime.date
    kind: str
    memo: str
    source_type: str
    source_id: str
    reverses_id: int | None
    fx_rate: Decimal | None
    fx_rate_source: str
    leg_count: int
    created_by_id: int | None
    created_at: datetime.datetime


class PostingRow(NamedTuple):
    """A posting as the chain hashes it (the entry id is the key it is filed under)."""

    entry_id: int
    leg_no: int
    account_id: int
    fund_id: int
    currency: str
    amount: int


ENTRY_COLUMNS = ", ".join(EntryRow._fields)
POSTING_COLUMNS = ", ".join(PostingRow._fields)


def _text(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, (datetime.date, Decimal)):
        return str(value)
    if value is None or isinstance(value, (int, str)):
        return value
    return str(value)


def entry_digest(*, seq: int, prev_hash: bytes, entry: EntryRow, postings: Sequence[PostingRow]) -> bytes:
    """SHA-256 over the sealed position, the entry row and its postings (sorted by leg number).

    Keys are sorted and separators fixed, so the serialisation is canonical.
    """
    document = {
        "seq": seq,
        "prev": prev_hash.hex(),
        "entry": [_text(v) for v in entry],
        "postings": [[_text(v) for v in row[1:]] for row in postings],
    }
    payload = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode()).digest()


def unsealed_entries(cursor: Any, *, txid_from: int, limit: int) -> list[EntryRow]:
    """Entries of transactions from `txid_from` on that have no seal yet, oldest first."""
    columns = ", ".join(f"e.{name}" for name in EntryRow._fields)
    cursor.execute(
        f"SELECT {columns} FROM ledger_entry e WHERE e.txid >= %s "
        "AND NOT EXISTS (SELECT 1 FROM ledger_seal s WHERE s.entry_id = e.id) "
        "ORDER BY e.id LIMIT %s",
        [txid_from, limit],
    )
    return [EntryRow._make(row) for row in cursor.fetchall()]


def postings_by_entry(cursor: Any, entry_ids: Sequence[int]) -> dict[int, list[PostingRow]]:
    """The postings of these entries as the digest reads them, by leg number.

    The sealer and the verifier both read through here, so they hash the same rows.
    """
    cursor.execute(
        f"SELECT {POSTING_COLUMNS} FROM ledger_posting WHERE entry_id = ANY(%s) ORDER BY entry_id, leg_no",
        [list(entry_ids)],
    )
    postings: dict[int, list[PostingRow]] = defaultdict(list)
    for row in cursor.fetchall():
        postings[row[0]].append(PostingRow._make(row))
    return postings
