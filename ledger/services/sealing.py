"""The hash chain's sealer and the balance checkpoint: the ledger's periodic upkeep."""

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from ledger.anchoring import checkpoint_sign
from ledger.chain import ZERO_HASH, EntryRow, entry_digest, postings_by_entry, unsealed_entries
from ledger.selectors import chain_head
from ledger.specs import SealResult

SEAL_LOCK_KEY = 0x7ADA_0001


def balances_checkpoint() -> int:
    """Fold postings into the balance rows of accounts without a floor, as far as is safe.

    Each checkpoint row confirms the previous one's candidate (the newest
    posting then) once every transaction that could still add a posting below
    it has ended, and proposes a new candidate; the database decides both. Two
    rounds, so a quiet ledger is brought fully up to date. Returns the posting
    horizon: every posting up to it is in the balance rows.
    """
    horizon = 0
    for _ in range(2):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT ledger_checkpoint_take()")
            horizon = cursor.fetchone()[0]
    return horizon


def ledger_seal(*, wait: bool = True, batch_size: int | None = None) -> SealResult:
    """Give committed, unsealed entries their sequence numbers and chain hashes.

    Runs under a transaction-level advisory lock so there is one sealer at a
    time; with wait=False it returns at once when another sealer holds it.
    Seals in batches until nothing committed is left unsealed.
    """
    batch_size = batch_size or settings.LEDGER_SEAL_BATCH_SIZE
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
            else:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    return SealResult(total, *chain_head())
            sealed, more = _seal_batch(cursor, batch_size)
            total += sealed
            if not more:
                checkpoint_sign(cursor)
        if not more:
            return SealResult(total, *chain_head())


def ledger_upkeep() -> SealResult:
    """The periodic pass (Celery beat, run_sealer): seal what has committed,
    unless another sealer is busy, then move the balance checkpoint."""
    result = ledger_seal(wait=False)
    balances_checkpoint()
    return result


def _seal_batch(cursor: CursorWrapper, batch_size: int) -> tuple[int, bool]:
    """Seal one batch; must run under the sealer's advisory lock."""
    # Every transaction older than this snapshot's xmin has finished, so once
    # this batch is sealed no entry of theirs can still appear unsealed.
    cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, ledger_sealer_horizon()")
    xmin, horizon = cursor.fetchone()
    entries: list[EntryRow] = unsealed_entries(cursor, txid_from=horizon, limit=batch_size)
    if entries:
        postings = postings_by_entry(cursor, [entry.id for entry in entries])
        cursor.execute("SELECT seq, hash FROM ledger_seal ORDER BY seq DESC LIMIT 1")
        head = cursor.fetchone()
        seq, prev = (head[0], bytes(head[1])) if head else (0, ZERO_HASH)
        seals = []
        for entry in entries:
            seq += 1
            digest = entry_digest(seq=seq, prev_hash=prev, entry=entry, postings=postings[entry.id])
            seals.append((entry.id, seq, prev, digest))
            prev = digest
        cursor.executemany(
            "INSERT INTO ledger_seal (entry_id, seq, prev_hash, hash) VALUES (%s, %s, %s, %s)", seals
        )
    more = len(entries) == batch_size
    if not more and xmin > horizon:
        cursor.execute("SELECT ledger_sealer_advance(%s)", [xmin])
    return len(entries), more
