"""Posting entries: one, many, a reversal, a move between funds, a conversion between currencies."""

import datetime
import json
import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from ledger import exceptions as exc
from ledger.models import Account, AccountRole, Entry, EntryKind
from ledger.money import to_decimal
from ledger.services.errors import database_errors
from ledger.services.transport import POST_BASIC, POST_FULL, StatementGone, execute_prepared
from ledger.services.validation import check_entry_spec, legs_document, legs_json, request_hash
from ledger.specs import EntrySpec, FxRate, PostedEntry, PostingSpec, SourceRef


def _text(value: object) -> bytes | None:
    return None if value is None else str(value).encode()


def _checked_legs(spec: EntrySpec) -> list[PostingSpec]:
    """check_entry_spec, but a leg in another currency than its account's is named as such.

    Summed per currency, such a leg looks like an unbalanced entry; the accounts
    are looked up only then, off the hot path.
    """
    try:
        return check_entry_spec(spec)
    except exc.UnbalancedEntry:
        currencies = dict(
            Account.objects.filter(pk__in={p.account_id for p in spec.postings}).values_list("pk", "currency")
        )
        for leg in spec.postings:
            if leg.account_id in currencies and currencies[leg.account_id] != leg.currency:
                raise exc.CurrencyMismatch(
                    f"Account {leg.account_id} is kept in {currencies[leg.account_id]}, not {leg.currency}."
                ) from None
        raise


def entry_post(spec: EntrySpec) -> PostedEntry:
    """Post one balanced entry, or return the first one posted under the same key.

    The same key with different content raises IdempotencyConflict. All checks
    run in PostgreSQL too, so a rejected entry writes nothing.
    """
    legs = _checked_legs(spec)
    statement = POST_BASIC
    values: list[bytes | None] = [
        str(spec.idempotency_key).encode(),
        request_hash(spec, legs),
        spec.date.isoformat().encode(),
        str(spec.kind).encode(),
        legs_json(legs).encode(),
    ]
    if spec.memo or spec.source or spec.fx or spec.reverses_id is not None or spec.created_by_id is not None:
        statement = POST_FULL
        values += [
            spec.memo.encode(),
            spec.source.type.encode() if spec.source else b"",
            spec.source.id.encode() if spec.source else b"",
            _text(spec.reverses_id),
            _text(spec.fx.rate if spec.fx else None),
            spec.fx.source.encode() if spec.fx else b"",
            _text(spec.created_by_id),
        ]
    # Inside the caller's transaction: a savepoint, so a refused entry leaves the
    # caller's transaction usable. On its own, the one statement is the whole
    # transaction (its checks run within it, the deferred ones at its commit):
    # no BEGIN and COMMIT round trips, which cost as much as the posting itself.
    db = connections[DEFAULT_DB_ALIAS]
    in_transaction = db.in_atomic_block or not db.get_autocommit()  # get_autocommit() connects
    for retry in (False, True):
        try:
            with (
                database_errors(legs),
                transaction.atomic(using=DEFAULT_DB_ALIAS) if in_transaction else nullcontext(),
                db.wrap_database_errors,
            ):
                entry_id, replayed = execute_prepared(db, statement, values, in_transaction, retry)
            return PostedEntry(entry_id=entry_id, replayed=replayed)
        except StatementGone:  # nothing was written; the savepoint, if any, is rolled back
            continue
    raise AssertionError("unreachable: the retry raises instead")


def entries_post_bulk(specs: list[EntrySpec] | tuple[EntrySpec, ...]) -> list[PostedEntry]:
    """Post many entries in one transaction and one statement, with every check kept."""
    if not specs:
        return []
    if len({s.idempotency_key for s in specs}) != len(specs):
        raise exc.ValidationFailed("Idempotency keys must be distinct within one bulk post.")
    documents = []
    all_legs: list[PostingSpec] = []
    for spec in specs:
        legs = _checked_legs(spec)
        all_legs.extend(legs)
        # Empty fields are left out: the function reads a missing key as empty or null.
        document: dict[str, object] = {
            "key": str(spec.idempotency_key),
            "request_hash": request_hash(spec, legs).hex(),
            "date": spec.date.isoformat(),
            "kind": str(spec.kind),
            "postings": legs_document(legs),
        }
        if spec.memo:
            document["memo"] = spec.memo
        if spec.source:
            document["source_type"], document["source_id"] = spec.source.type, spec.source.id
        if spec.reverses_id is not None:
            document["reverses_id"] = spec.reverses_id
        if spec.fx:
            document["fx_rate"], document["fx_rate_source"] = str(spec.fx.rate), spec.fx.source
        if spec.created_by_id is not None:
            document["created_by"] = spec.created_by_id
        documents.append(document)
    with database_errors(all_legs), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT entry_id, replayed FROM ledger_post_entries(%s::jsonb)",
            [json.dumps(documents, separators=(",", ":"))],
        )
        rows = cursor.fetchall()
    return [PostedEntry(entry_id=entry_id, replayed=replayed) for entry_id, replayed in rows]


def entry_reverse(
    *,
    entry_id: int,
    idempotency_key: uuid.UUID,
    date: datetime.date | None = None,
    memo: str = "",
    created_by_id: int | None = None,
) -> PostedEntry:
    """Post the mirror image of an entry; an entry can be reversed once."""
    try:
        original = Entry.objects.get(pk=entry_id)
    except Entry.DoesNotExist:
        raise exc.EntryNotFound(f"No entry with id {entry_id}.") from None
    legs = tuple(
        PostingSpec(account_id=p.account_id, fund_id=p.fund_id, currency=p.currency, amount=-p.amount)
        for p in original.postings.all()
    )
    spec = EntrySpec(
        idempotency_key=idempotency_key,
        postings=legs,
        date=date or timezone.localdate(),
        kind=EntryKind.REVERSAL,
        memo=memo or f"Reversal of entry {original.pk}",
        source=SourceRef(type=original.source_type, id=original.source_id) if original.source_type else None,
        fx=FxRate(rate=original.fx_rate, source=original.fx_rate_source) if original.fx_rate else None,
        reverses_id=original.pk,
        created_by_id=created_by_id,
    )
    return entry_post(spec)


def account_for(role: str, currency: str) -> Account:
    """The chart's account for a system role in one currency."""
    try:
        return Account.objects.get(role=role, currency=currency)
    except Account.DoesNotExist:
        raise exc.UnknownReference(f"The chart has no {role} account in {currency}.") from None


def account_ids_for(roles: Sequence[str], currency: str) -> dict[str, int]:
    """The chart's accounts for several system roles in one currency, by role, in one query."""
    # Written out: every card contribution asks, and compiling the ORM's query cost five times running it.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT role, id FROM ledger_account WHERE currency = %s AND role = ANY(%s)",
            [currency, [str(role) for role in roles]],
        )
        found = dict(cursor.fetchall())
    for role in roles:
        if role not in found:
            raise exc.UnknownReference(f"The chart has no {role} account in {currency}.")
    return found


def fund_transfer(
    *,
    idempotency_key: uuid.UUID,
    from_fund_id: int,
    to_fund_id: int,
    account_id: int,
    amount: int,
    date: datetime.date,
    memo: str = "",
    created_by_id: int | None = None,
) -> PostedEntry:
    """Move money held in one account from one fund to another (e.g. a release from restriction).

    Each fund balances on its own: the money leaves `account_id` in the source
    fund and arrives in the destination fund, through the transfers account.
    """
    if from_fund_id == to_fund_id:
        raise exc.ValidationFailed("A transfer needs two different funds.")
    if type(amount) is not int or amount <= 0:
        raise exc.InvalidAmount("A transfer amount is a positive number of minor units.")
    try:
        account = Account.objects.get(pk=account_id)
    except Account.DoesNotExist:
        raise exc.UnknownReference(f"No account with id {account_id}.") from None
    transfers = account_for(AccountRole.FUND_TRANSFERS, account.currency)
    cur = account.currency
    legs = (
        PostingSpec(account.pk, from_fund_id, cur, -amount),
        PostingSpec(transfers.pk, from_fund_id, cur, amount),
        PostingSpec(account.pk, to_fund_id, cur, amount),
        PostingSpec(transfers.pk, to_fund_id, cur, -amount),
    )
    return entry_post(
        EntrySpec(
            idempotency_key=idempotency_key,
            postings=legs,
            date=date,
            kind=EntryKind.FUND_TRANSFER,
            memo=memo,
            created_by_id=created_by_id,
        )
    )


def currency_convert(
    *,
    idempotency_key: uuid.UUID,
    fund_id: int,
    from_account_id: int,
    to_account_id: int,
    from_amount: int,
    to_amount: int,
    rate_source: str,
    rate: Decimal | None = None,
    source: SourceRef | None = None,
    date: datetime.date,
    memo: str = "",
    created_by_id: int | None = None,
) -> PostedEntry:
    """Convert money between currencies through per-currency trading accounts.

    Each currency balances on its own (Selinger's method); the trading
    accounts' balances show the gain or loss. The rate defaults to the one the
    two amounts imply, in major units.
    """
    if type(from_amount) is not int or type(to_amount) is not int or from_amount <= 0 or to_amount <= 0:
        raise exc.InvalidAmount("Conversion amounts are positive numbers of minor units.")
    accounts = {a.pk: a for a in Account.objects.filter(pk__in=[from_account_id, to_account_id])}
    if from_account_id not in accounts or to_account_id not in accounts:
        raise exc.UnknownReference("Both accounts of a conversion must exist.")
    src, dst = accounts[from_account_id], accounts[to_account_id]
    if src.currency == dst.currency:
        raise exc.ValidationFailed("A conversion needs two different currencies.")
    if rate is None:
        implied = to_decimal(to_amount, dst.currency) / to_decimal(from_amount, src.currency)
        rate = implied.quantize(Decimal("1e-12"))
    src_trading = account_for(AccountRole.FX_TRADING, src.currency)
    dst_trading = account_for(AccountRole.FX_TRADING, dst.currency)
    legs = (
        PostingSpec(src.pk, fund_id, src.currency, -from_amount),
        PostingSpec(src_trading.pk, fund_id, src.currency, from_amount),
        PostingSpec(dst_trading.pk, fund_id, dst.currency, -to_amount),
        PostingSpec(dst.pk, fund_id, dst.currency, to_amount),
    )
    return entry_post(
        EntrySpec(
            idempotency_key=idempotency_key,
            postings=legs,
            date=date,
            kind=EntryKind.FX_CONVERSION,
            memo=memo,
            source=source,
            fx=FxRate(rate=rate, source=rate_source),
            created_by_id=created_by_id,
        )
    )
