"""Checks of an entry before it reaches the database, and its canonical forms (request hash, legs)."""

import datetime
import hashlib
import json
import uuid
from decimal import Decimal
from operator import attrgetter

from ledger import exceptions as exc
from ledger.models import EntryKind
from ledger.money import MAX_MINOR, currency_check, to_decimal_string
from ledger.rules import check_entry_date, check_entry_text
from ledger.specs import EntrySpec, PostingSpec

MAX_POSTINGS = 1000
MEMO_MAX_LENGTH = 500
SOURCE_TYPE_MAX_LENGTH = 64
SOURCE_ID_MAX_LENGTH = 128
FX_SOURCE_MAX_LENGTH = 64
_ENTRY_KINDS = frozenset(EntryKind.values)
_LEG_ORDER = attrgetter("account_id", "fund_id", "currency", "amount")


def check_entry_spec(spec: EntrySpec) -> list[PostingSpec]:
    """Validate an entry without touching the database; return its legs in canonical order."""
    if not isinstance(spec.idempotency_key, uuid.UUID):
        raise exc.ValidationFailed("The idempotency key must be a UUID.")
    if not isinstance(spec.date, datetime.date) or isinstance(spec.date, datetime.datetime):
        raise exc.ValidationFailed("The entry date must be a date.")
    check_entry_date(spec.date)
    if spec.kind not in _ENTRY_KINDS:
        raise exc.ValidationFailed(f"Unknown entry kind '{spec.kind}'.")
    if len(spec.memo) > MEMO_MAX_LENGTH:
        raise exc.ValidationFailed(f"The memo is longer than {MEMO_MAX_LENGTH} characters.")
    if "\x00" in spec.memo or (spec.source and "\x00" in spec.source.type + spec.source.id):
        raise exc.ValidationFailed("Text sent to the ledger cannot contain NUL characters.")
    check_entry_text(spec.memo)
    if spec.source is not None:
        check_entry_text(spec.source.type, field="source type")
        check_entry_text(spec.source.id, field="source id")
    if spec.fx is not None:
        check_entry_text(spec.fx.source, field="exchange rate source")
    if spec.source is not None and (
        len(spec.source.type) > SOURCE_TYPE_MAX_LENGTH or len(spec.source.id) > SOURCE_ID_MAX_LENGTH
    ):
        raise exc.ValidationFailed("The source reference is too long.")
    if spec.fx is not None:
        if not isinstance(spec.fx.rate, Decimal) or not spec.fx.rate.is_finite() or spec.fx.rate <= 0:
            raise exc.ValidationFailed("An exchange rate must be a positive decimal.")
        if not spec.fx.source or len(spec.fx.source) > FX_SOURCE_MAX_LENGTH or "\x00" in spec.fx.source:
            raise exc.ValidationFailed(
                f"An exchange rate needs its source (at most {FX_SOURCE_MAX_LENGTH} characters)."
            )
    if not 2 <= len(spec.postings) <= MAX_POSTINGS:
        raise exc.ValidationFailed(f"An entry has between 2 and {MAX_POSTINGS} postings.")
    sums: dict[tuple[str, int], int] = {}
    for p in spec.postings:
        if type(p.amount) is not int or p.amount == 0 or abs(p.amount) >= MAX_MINOR:
            raise exc.InvalidAmount("Each posting amount is a non-zero whole number of minor units.")
        if type(p.account_id) is not int or type(p.fund_id) is not int:
            raise exc.ValidationFailed("Postings name their account and fund by id.")
        currency_check(p.currency)
        key = (p.currency, p.fund_id)
        sums[key] = sums.get(key, 0) + p.amount
    unbalanced = sorted(key for key, total in sums.items() if total != 0)
    if unbalanced:
        currency, fund_id = unbalanced[0]
        total = to_decimal_string(sums[unbalanced[0]], currency)
        raise exc.UnbalancedEntry(
            f"Postings in {currency} for fund {fund_id} sum to {total} {currency}, not zero."
        )
    return sorted(spec.postings, key=_LEG_ORDER)


def _compact(document: object) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def request_hash(spec: EntrySpec, legs: list[PostingSpec]) -> bytes:
    """SHA-256 of what a replay under the same key must match: the request as canonical JSON."""
    document = {
        "by": spec.created_by_id,
        "date": spec.date.isoformat(),
        "fx": [str(spec.fx.rate), spec.fx.source] if spec.fx else None,
        "kind": str(spec.kind),
        "legs": [[p.account_id, p.fund_id, p.currency, p.amount] for p in legs],
        "memo": spec.memo,
        "reverses": spec.reverses_id,
        "source": [spec.source.type, spec.source.id] if spec.source else None,
    }
    return hashlib.sha256(_compact(document).encode()).digest()


def legs_document(legs: list[PostingSpec]) -> list[dict[str, object]]:
    """The legs as the posting functions read them, numbered from 1."""
    return [
        {
            "leg_no": i,
            "account_id": p.account_id,
            "fund_id": p.fund_id,
            "currency": p.currency,
            "amount": p.amount,
        }
        for i, p in enumerate(legs, start=1)
    ]


def legs_json(legs: list[PostingSpec]) -> str:
    """legs_document as compact JSON text."""
    return json.dumps(legs_document(legs), separators=(",", ":"))
