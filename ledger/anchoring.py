"""Signed checkpoints of the chain head, and the checks that hold the chain to them."""

import base64
import binascii
import datetime
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from ledger.chain import ZERO_HASH
from ledger.models import SignedCheckpoint
from ledger.signing import (
    PublicKey,
    checkpoint_message,
    message_sign,
    public_key_wrap,
    signature_valid,
    signing_key,
)

logger = logging.getLogger(__name__)

CHUNK = 5000
# Beyond this many, broken stored checkpoints are counted, not listed.
LISTED_PROBLEMS = 5
_EXPECT = re.compile(r"^(\d{1,19}):([0-9a-fA-F]{64})$")


@dataclass(frozen=True)
class ExpectedHead:
    """A chain head known from outside the database: the chain must reach it unchanged."""

    seq: int
    head_hash: bytes
    source: str


class AnchorInvalid(ValueError):
    """An expected head that cannot be read, or whose signature does not verify."""


def checkpoint_sign(cursor: Any) -> SignedCheckpoint | None:
    """Sign the chain head when it moved past the last signed checkpoint; None when nothing is signed.

    Must run under the sealer's advisory lock, in the transaction that sealed
    the head. Signs nothing without a configured key, on an empty chain,
    within LEDGER_CHECKPOINT_INTERVAL seconds of the last checkpoint, or when
    the seal at the last signed checkpoint no longer carries the hash signed
    then: the sealer does not put its signature on a rewritten chain.
    """
    key = signing_key()
    if key is None:
        return None
    cursor.execute(
        "SELECT h.seq, h.hash, c.seq, c.head_hash, c.signed_at, s.hash "
        "FROM (SELECT seq, hash FROM ledger_seal ORDER BY seq DESC LIMIT 1) h "
        "LEFT JOIN LATERAL (SELECT seq, head_hash, signed_at FROM ledger_signedcheckpoint "
        "ORDER BY seq DESC LIMIT 1) c ON true "
        "LEFT JOIN ledger_seal s ON s.seq = c.seq"
    )
    row = cursor.fetchone()
    if row is None:
        return None
    head_seq, head_hash, last_seq, last_hash, last_signed_at, chain_at_last = row
    if last_seq is not None and head_seq <= last_seq:
        return None
    signed_at = timezone.now()
    if last_signed_at is not None and signed_at - last_signed_at < _interval():
        return None  # a later pass signs the head then
    if last_seq is not None and (chain_at_last is None or bytes(chain_at_last) != bytes(last_hash)):
        logger.error(
            "the chain no longer reaches signed checkpoint %s; not signing head %s (run verify_ledger)",
            last_seq,
            head_seq,
        )
        return None
    message = checkpoint_message(seq=head_seq, head_hash=bytes(head_hash), signed_at=signed_at)
    return SignedCheckpoint.objects.create(
        seq=head_seq,
        head_hash=bytes(head_hash),
        signed_at=signed_at,
        key_id=public_key_wrap(key.public_key()).key_id,
        signature=message_sign(key, message),
    )


def _interval() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.LEDGER_CHECKPOINT_INTERVAL)


def signed_checkpoint_list() -> QuerySet[SignedCheckpoint]:
    return SignedCheckpoint.objects.all()


def signed_checkpoint_message(checkpoint: SignedCheckpoint) -> bytes:
    """The exact message this checkpoint's signature covers."""
    return checkpoint_message(
        seq=checkpoint.seq, head_hash=bytes(checkpoint.head_hash), signed_at=checkpoint.signed_at
    )


# --- heads held outside the database ---------------------------------------------


def expected_head_parse(text: str) -> ExpectedHead:
    """`SEQ:HASH` (HASH as 64 hex digits) as an expected head."""
    found = _EXPECT.match(text.strip())
    if not found:
        raise AnchorInvalid(f"{text!r} is not SEQ:HASH (a sequence number, a colon, 64 hex digits)")
    return ExpectedHead(int(found[1]), bytes.fromhex(found[2]), f"--expect {found[1]}")


def expected_head_from_checkpoint(
    document: Mapping[str, Any], *, public_keys: Mapping[str, PublicKey], source: str
) -> ExpectedHead:
    """A signed checkpoint as the API lists it, as an expected head, once its signature verifies.

    The message is rebuilt from seq, head_hash and signed_at; a `message`
    member, when present, must be that message.
    """
    try:
        seq, head_hash = document["seq"], bytes.fromhex(document["head_hash"])
        signed_at = datetime.datetime.fromisoformat(document["signed_at"])
        signature = base64.b64decode(document["signature"], validate=True)
        key_id = document["key_id"]
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise AnchorInvalid(f"{source}: not a signed checkpoint ({type(error).__name__}: {error})") from None
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1 or len(head_hash) != 32:
        raise AnchorInvalid(f"{source}: seq must be a positive integer and head_hash 64 hex digits")
    if signed_at.tzinfo is None:
        raise AnchorInvalid(f"{source}: signed_at has no time zone")
    message = checkpoint_message(seq=seq, head_hash=head_hash, signed_at=signed_at)
    if "message" in document and document["message"] != message.decode():
        raise AnchorInvalid(f"{source}: its message is not the one its fields make")
    key = public_keys.get(key_id)
    if key is None:
        known = ", ".join(sorted(public_keys)) or "none"
        raise AnchorInvalid(f"{source}: signed by key {key_id}, not a trusted key (trusted: {known})")
    if not signature_valid(key, message, signature):
        raise AnchorInvalid(f"{source}: the signature does not verify against key {key_id}")
    return ExpectedHead(seq, head_hash, f"{source} (sequence {seq})")


# --- verification ------------------------------------------------------------------


def anchors_verify(
    *, verified_seq: int, expected: Sequence[ExpectedHead], public_keys: Mapping[str, PublicKey]
) -> list[str]:
    """Problems found holding the chain to the expected heads and to every stored signed checkpoint.

    `verified_seq` is how far the chain was recomputed without a break: up to
    there each stored seal hash is the recomputed one, so it stands in for it.
    """
    problems = [problem for head in expected if (problem := _expected_head_problem(head, verified_seq))]
    return problems + _stored_checkpoint_problems(verified_seq, public_keys)


def _seal_hash(seq: int) -> bytes | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM ledger_seal WHERE seq = %s", [seq])
        row = cursor.fetchone()
    return bytes(row[0]) if row else None


def _expected_head_problem(head: ExpectedHead, verified_seq: int) -> str | None:
    if head.seq > verified_seq:
        return (
            f"{head.source}: the chain verifies only up to sequence {verified_seq}, short of the "
            f"expected head {head.seq} (entries deleted, or the chain broken before it)"
        )
    actual = _seal_hash(head.seq) if head.seq else ZERO_HASH
    if actual != head.head_hash:
        return (
            f"{head.source}: the recomputed chain has {actual.hex() if actual else 'nothing'} at sequence "
            f"{head.seq}, not the expected {head.head_hash.hex()} (the chain was rewritten)"
        )
    return None


def _stored_checkpoint_problems(verified_seq: int, public_keys: Mapping[str, PublicKey]) -> list[str]:
    problems: list[str] = []
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT c.seq, c.head_hash, c.signed_at, c.key_id, c.signature, s.hash "
                "FROM ledger_signedcheckpoint c LEFT JOIN ledger_seal s ON s.seq = c.seq "
                "WHERE c.seq > %s ORDER BY c.seq LIMIT %s",
                [last, CHUNK],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            for seq, head_hash, signed_at, key_id, signature, chain_hash in rows:
                head_hash = bytes(head_hash)
                message = checkpoint_message(seq=seq, head_hash=head_hash, signed_at=signed_at)
                key = public_keys.get(key_id)
                if key is None:
                    problems.append(f"signed checkpoint {seq}: signed by key {key_id}, not a trusted key")
                elif not signature_valid(key, message, bytes(signature)):
                    problems.append(f"signed checkpoint {seq}: the signature does not verify")
                if seq > verified_seq:
                    problems.append(
                        f"signed checkpoint {seq}: the chain verifies only up to sequence {verified_seq}"
                    )
                elif chain_hash is None or bytes(chain_hash) != head_hash:
                    problems.append(
                        f"signed checkpoint {seq}: it signed head {head_hash.hex()}, the recomputed chain "
                        "differs there (the chain was rewritten)"
                    )
            last = rows[-1][0]
    if len(problems) > LISTED_PROBLEMS:
        unlisted = len(problems) - LISTED_PROBLEMS
        problems[LISTED_PROBLEMS:] = [f"and {unlisted} more signed checkpoint problems"]
    return problems
