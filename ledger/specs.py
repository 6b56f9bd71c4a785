"""Values that cross the ledger's border: what to post, and what was posted."""

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from ledger.models import EntryKind


@dataclass(frozen=True)
class PostingSpec:
    """One leg to post: signed minor units, debit positive."""

    account_id: int
    fund_id: int
    currency: str
    amount: int


@dataclass(frozen=True)
class SourceRef:
    """The business document an entry records (contribution, payout, fee...)."""

    type: str
    id: str


@dataclass(frozen=True)
class FxRate:
    """The exchange rate an entry used and where it came from."""

    rate: Decimal
    source: str


@dataclass(frozen=True)
class EntrySpec:
    """Everything needed to post one journal entry."""

    idempotency_key: uuid.UUID
    postings: tuple[PostingSpec, ...]
    date: datetime.date
    kind: str = EntryKind.MANUAL
    memo: str = ""
    source: SourceRef | None = None
    fx: FxRate | None = None
    reverses_id: int | None = None
    created_by_id: int | None = None


@dataclass(frozen=True)
class PostedEntry:
    """The entry a post produced, or the one an earlier post under the same key produced."""

    entry_id: int
    replayed: bool


@dataclass(frozen=True)
class SealResult:
    """How many entries a sealing pass sealed, and the chain head after it."""

    sealed: int
    head_seq: int
    head_hash: bytes
