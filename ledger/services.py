"""Ledger writes: each function is one database transaction."""

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import NamedTuple

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from psycopg import pq

from ledger import exceptions as exc
from ledger.anchoring import checkpoint_sign
from ledger.chain import ENTRY_COLUMNS, ZERO_HASH, entry_digest, postings_by_entry
from ledger.models import (
    SQLSTATE_IDEMPOTENCY,
    SQLSTATE_PERIOD_CLOSED,
    SQLSTATE_REVERSAL,
    SQLSTATE_UNBALANCED,
    Account,
    AccountRole,
    AccountType,
    ClosedPeriod,
    Entry,
    EntryKind,
    Fund,
)
from ledger.money import MAX_MINOR, currency_check, to_decimal, to_decimal_string
from ledger.selectors import chain_head

GENERAL_FUND_CODE = "general"
MAX_POSTINGS = 1000
_ENTRY_KINDS = frozenset(EntryKind.values)  # EntryKind.values rebuilds its list on every call
SEAL_LOCK_KEY = 0x7ADA_0001


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
    entry_id: int
    replayed: bool


@dataclass(frozen=True)
class SealResult:
    sealed: int
    head_seq: int
    head_hash: bytes


# --- validation -------------------------------------------------------------


_LEG_ORDER = attrgetter("account_id", "fund_id", "currency", "amount")


def check_entry_spec(spec: EntrySpec) -> list[PostingSpec]:
    """Validate an entry without touching the database; return its legs in canonical order."""
    if not isinstance(spec.idempotency_key, uuid.UUID):
        raise exc.ValidationFailed("The idempotency key must be a UUID.")
    if not isinstance(spec.date, datetime.date) or isinstance(spec.date, datetime.datetime):
        raise exc.ValidationFailed("The entry date must be a date.")
    if spec.kind not in _ENTRY_KINDS:
        raise exc.ValidationFailed(f"Unknown entry kind '{spec.kind}'.")
    if len(spec.memo) > 500:
        raise exc.ValidationFailed("The memo is longer than 500 characters.")
    if "\x00" in spec.memo or (spec.source and "\x00" in spec.source.type + spec.source.id):
        raise exc.ValidationFailed("Text sent to the ledger cannot contain NUL characters.")
    if spec.source is not None and (len(spec.source.type) > 64 or len(spec.source.id) > 128):
        raise exc.ValidationFailed("The source reference is too long.")
    if spec.fx is not None:
        if not isinstance(spec.fx.rate, Decimal) or not spec.fx.rate.is_finite() or spec.fx.rate <= 0:
            raise exc.ValidationFailed("An exchange rate must be a positive decimal.")
        if not spec.fx.source or len(spec.fx.source) > 64 or "\x00" in spec.fx.source:
            raise exc.ValidationFailed("An exchange rate needs its source (at most 64 characters).")
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


def _request_hash(spec: EntrySpec, legs: list[PostingSpec]) -> bytes:
    """SHA-256 of the request: what a replay must match.

    The text is exactly json.dumps(document, sort_keys=True) of
    {by, date, fx, kind, legs, memo, reverses, source} (hashes already stored
    depend on it), written out directly: building and encoding the document
    cost more than the rest of the posting's Python.
    """
    fx = f"[{_dumps(str(spec.fx.rate))}, {_dumps(spec.fx.source)}]" if spec.fx else "null"
    source = f"[{_dumps(spec.source.type)}, {_dumps(spec.source.id)}]" if spec.source else "null"
    # check_entry_spec has made sure of the ints and the ISO currency codes, whose
    # JSON is their str() and "code": no encoder call per value.
    legs_text = ", ".join([f'[{p.account_id}, {p.fund_id}, "{p.currency}", {p.amount}]' for p in legs])
    text = (
        f'{{"by": {_scalar(spec.created_by_id)}, "date": "{spec.date.isoformat()}", "fx": {fx}, '
        f'"kind": {_dumps(str(spec.kind))}, "legs": [{legs_text}], "memo": {_dumps(spec.memo)}, '
        f'"reverses": {_scalar(spec.reverses_id)}, "source": {source}}}'
    )
    return hashlib.sha256(text.encode()).digest()


_dumps = json.encoder.encode_basestring_ascii  # json.dumps of a str, without the call's overhead


def _scalar(value: object) -> str:
    """json.dumps of an int or None, quickly; anything else through json.dumps."""
    if value is None:
        return "null"
    return str(value) if type(value) is int else json.dumps(value)


def _legs_text(legs: list[PostingSpec]) -> str:
    """The legs as the posting functions read them: a JSON array, numbered from 1.

    Written out directly, as _request_hash is: check_entry_spec has made sure
    of the ints and the ISO currency codes.
    """
    return (
        "["
        + ",".join(
            f'{{"leg_no":{i},"account_id":{p.account_id},"fund_id":{p.fund_id},'
            f'"currency":"{p.currency}","amount":{p.amount}}}'
            for i, p in enumerate(legs, start=1)
        )
        + "]"
    )


@contextmanager
def _database_errors(legs: Sequence[PostingSpec] = ()) -> Iterator[None]:
    """Turn what PostgreSQL rejected into the ledger's domain errors."""
    try:
        yield
    except DatabaseError as error:
        raise _domain_error(error, legs) from error


def _domain_error(error: DatabaseError, legs: Sequence[PostingSpec]) -> exc.LedgerError:
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    diag = getattr(cause, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    message = getattr(diag, "message_primary", None) or str(error)
    if sqlstate in (SQLSTATE_UNBALANCED, SQLSTATE_REVERSAL):
        return exc.UnbalancedEntry(message)
    if sqlstate == SQLSTATE_PERIOD_CLOSED:
        return exc.PeriodClosed(message)
    if sqlstate == SQLSTATE_IDEMPOTENCY:
        return exc.IdempotencyConflict(message)
    if constraint == "entry_legs_complete_fk":
        return exc.UnbalancedEntry("An entry is missing some of its postings.")
    if constraint == "balance_above_floor":
        return exc.InsufficientFunds("The entry would take a balance below its floor.")
    if constraint == "entry_reversed_once":
        return exc.AlreadyReversed()
    if constraint == "closedperiod_no_overlap":
        return exc.PeriodOverlap()
    if constraint == "posting_account_currency_fk":
        known = set(Account.objects.filter(id__in={p.account_id for p in legs}).values_list("id", flat=True))
        missing = sorted({p.account_id for p in legs} - known)
        if missing:
            return exc.UnknownReference(f"No account with id {missing[0]}.")
        return exc.CurrencyMismatch("A posting's currency differs from its account's currency.")
    if sqlstate == "23503":
        return exc.UnknownReference("An account, fund or entry named in the request does not exist.")
    if sqlstate in ("23514", "23502", "22003"):
        return exc.ValidationFailed(message)
    if sqlstate == "P0001" and "pgtrigger" in message:
        return exc.AppendOnly()
    raise error


# --- funds and accounts -----------------------------------------------------


@transaction.atomic
def fund_create(*, code: str, name: str, restricted: bool = False, description: str = "") -> Fund:
    fund = Fund(code=code, name=name, restricted=restricted, description=description)
    fund.full_clean()
    fund.save()
    return fund


@transaction.atomic
def account_create(
    *,
    code: str,
    name: str,
    type: str,
    currency: str,
    role: str | None = None,
    floor: int | None = None,
) -> Account:
    currency_check(currency)
    if type not in AccountType.values:
        raise exc.ValidationFailed(f"Unknown account type '{type}'.")
    account = Account(code=code, name=name, type=type, currency=currency, role=role, floor=floor)
    account.full_clean()
    account.save()
    return account


# The default chart of a mutual-aid fund: (role, number, name, type, floor).
DEFAULT_CHART = (
    (AccountRole.STRIPE_CLEARING, "1010", "Stripe clearing", AccountType.ASSET, None),
    (AccountRole.BANK, "1020", "Bank", AccountType.ASSET, 0),
    (AccountRole.GRANTS_PAYABLE, "2010", "Grants payable", AccountType.LIABILITY, None),
    (AccountRole.NET_ASSETS, "3000", "Net assets", AccountType.NET_ASSETS, None),
    (AccountRole.FUND_TRANSFERS, "3100", "Transfers between funds", AccountType.NET_ASSETS, None),
    (AccountRole.FX_TRADING, "3900", "Currency trading", AccountType.NET_ASSETS, None),
    (AccountRole.DONATIONS_INCOME, "4000", "Donations income", AccountType.INCOME, None),
    (AccountRole.PROCESSING_FEES, "5010", "Payment processing fees", AccountType.EXPENSE, None),
    (AccountRole.GRANTS_EXPENSE, "5100", "Grants expense", AccountType.EXPENSE, None),
)


@transaction.atomic
def chart_of_accounts_create(*, currencies: Sequence[str]) -> list[Account]:
    """Create the general fund and the default chart in each currency; safe to run again."""
    Fund.objects.get_or_create(code=GENERAL_FUND_CODE, defaults={"name": "General fund", "restricted": False})
    accounts = []
    for currency in currencies:
        currency_check(currency)
        for role, number, name, type_, floor in DEFAULT_CHART:
            account, _ = Account.objects.get_or_create(
                role=role,
                currency=currency,
                defaults={
                    "code": f"{number}-{currency}",
                    "name": f"{name} ({currency})",
                    "type": type_,
                    "floor": floor,
                },
            )
            accounts.append(account)
    return accounts


# --- posting ----------------------------------------------------------------


class _Statement(NamedTuple):
    """One of entry_post's prepared statements, with the format of each parameter."""

    name: bytes
    sql: bytes
    formats: tuple[pq.Format, ...]


# entry_post's two prepared statements: the usual call, and the one with every
# field. Parameters go in as text, but the request hash as binary.
_TEXT, _BINARY = pq.Format.TEXT, pq.Format.BINARY
_POST_BASIC = _Statement(
    b"ledger_post_entry_basic",
    b"SELECT entry_id, replayed FROM ledger_post_entry($1::uuid, $2::bytea, $3::date, $4::text, $5::jsonb)",
    (_TEXT, _BINARY, _TEXT, _TEXT, _TEXT),
)
_POST_FULL = _Statement(
    b"ledger_post_entry_full",
    b"SELECT entry_id, replayed FROM ledger_post_entry($1::uuid, $2::bytea, $3::date, $4::text, $5::jsonb,"
    b" $6::text, $7::text, $8::text, $9::bigint, $10::numeric, $11::text, $12::bigint)",
    _POST_BASIC.formats + (_TEXT,) * 7,
)


def _text(value: object) -> bytes | None:
    return None if value is None else str(value).encode()


def entry_post(spec: EntrySpec) -> PostedEntry:
    """Post one balanced entry, or return the first one posted under the same key.

    The same key with different content raises IdempotencyConflict. All checks
    run in PostgreSQL too, so a rejected entry writes nothing.
    """
    legs = check_entry_spec(spec)
    statement = _POST_BASIC
    values = [
        str(spec.idempotency_key).encode(),
        _request_hash(spec, legs),
        spec.date.isoformat().encode(),
        str(spec.kind).encode(),
        _legs_text(legs).encode(),
    ]
    if spec.memo or spec.source or spec.fx or spec.reverses_id is not None or spec.created_by_id is not None:
        statement = _POST_FULL
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
                _database_errors(legs),
                transaction.atomic(using=DEFAULT_DB_ALIAS) if in_transaction else nullcontext(),
                db.wrap_database_errors,
            ):
                entry_id, replayed = _execute_prepared(db, statement, values, in_transaction, retry)
            return PostedEntry(entry_id=entry_id, replayed=replayed)
        except _StatementGone:  # nothing was written; the savepoint, if any, is rolled back
            continue
    raise AssertionError("unreachable: the retry raises instead")


class _StatementGone(Exception):
    """The server no longer has entry_post's prepared statement."""


def _execute_prepared(
    db: BaseDatabaseWrapper,
    statement: _Statement,
    values: list[bytes | None],
    in_transaction: bool,
    retry: bool,
) -> tuple[int, bool]:
    """Run one of entry_post's statements through libpq and return (entry_id, replayed).

    The hot path of every posting: psycopg's cursor (parameter adaptation, the
    prepared-statement bookkeeping, its I/O generators) cost about 100,000
    instructions per call, libpq's own call about 30,000 (callgrind). Each
    statement is prepared once per connection. psycopg's connection stays in
    charge of everything else and reads the transaction state from libpq itself.

    psycopg sends DEALLOCATE ALL after a ROLLBACK or DDL once it has prepared
    statements of its own, which takes these with it: the server then answers
    26000, and entry_post prepares again and retries once. Should the server
    answer that a statement it was about to prepare exists already (42P05),
    entry_post takes it as prepared and retries once too.
    """
    conn = db.connection
    pgconn = conn.pgconn
    if in_transaction and pgconn.transaction_status != pq.TransactionStatus.INTRANS:
        # A savepoint has just been taken, so psycopg has sent BEGIN; were it
        # not, this statement would commit on its own, outside the caller's work.
        raise RuntimeError("entry_post expected an open transaction")
    prepared_on, prepared = getattr(db, "_ledger_prepared", (None, set()))
    if prepared_on is not conn:  # a new connection: nothing prepared on it yet
        prepared = set()
        db._ledger_prepared = (conn, prepared)
    name = statement.name
    if name not in prepared:
        result = pgconn.prepare(name, statement.sql)
        if not retry and result.error_field(pq.DiagnosticField.SQLSTATE) == b"42P05":
            prepared.add(name)  # the server has it after all (the names are ours alone)
            raise _StatementGone
        _result_or_raise(conn, result)
        prepared.add(name)
    result = pgconn.exec_prepared(name, values, statement.formats)
    if not retry and result.error_field(pq.DiagnosticField.SQLSTATE) == b"26000":
        # Forget only this one: the other may have been prepared again since.
        prepared.discard(name)
        raise _StatementGone
    result = _result_or_raise(conn, result)
    return int(result.get_value(0, 0)), result.get_value(0, 1) == b"t"


def _result_or_raise(conn: psycopg.Connection, result: pq.abc.PGresult) -> pq.abc.PGresult:
    if result.status in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
        return result
    if conn.pgconn.status == pq.ConnStatus.BAD:
        raise psycopg.OperationalError(f"the connection was lost: {result.get_error_message()}")
    raise psycopg.errors.error_from_result(result, encoding=conn.info.encoding)


def entries_post_bulk(specs: Sequence[EntrySpec]) -> list[PostedEntry]:
    """Post many entries in one transaction and one statement, with every check kept."""
    if not specs:
        return []
    if len({s.idempotency_key for s in specs}) != len(specs):
        raise exc.ValidationFailed("Idempotency keys must be distinct within one bulk post.")
    documents = []
    all_legs: list[PostingSpec] = []
    for spec in specs:
        legs = check_entry_spec(spec)
        all_legs.extend(legs)
        # Empty fields are left out (the function reads a missing key as empty or
        # null): parsing the document is a good part of the server's work.
        extra = ""
        if spec.memo:
            extra += f',"memo":{_dumps(spec.memo)}'
        if spec.source:
            extra += f',"source_type":{_dumps(spec.source.type)},"source_id":{_dumps(spec.source.id)}'
        if spec.reverses_id is not None:
            extra += f',"reverses_id":{_scalar(spec.reverses_id)}'
        if spec.fx:
            extra += f',"fx_rate":{_dumps(str(spec.fx.rate))},"fx_rate_source":{_dumps(spec.fx.source)}'
        if spec.created_by_id is not None:
            extra += f',"created_by":{_scalar(spec.created_by_id)}'
        documents.append(
            f'{{"key":"{spec.idempotency_key}","request_hash":"{_request_hash(spec, legs).hex()}",'
            f'"date":"{spec.date.isoformat()}","kind":{_dumps(str(spec.kind))},'
            f'"postings":{_legs_text(legs)}{extra}}}'
        )
    with _database_errors(all_legs), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT entry_id, replayed FROM ledger_post_entries(%s::jsonb)",
            ["[" + ",".join(documents) + "]"],
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


def _account_for(role: str, currency: str) -> Account:
    try:
        return Account.objects.get(role=role, currency=currency)
    except Account.DoesNotExist:
        raise exc.UnknownReference(f"The chart has no {role} account in {currency}.") from None


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
    transfers = _account_for(AccountRole.FUND_TRANSFERS, account.currency)
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
    src_trading = _account_for(AccountRole.FX_TRADING, src.currency)
    dst_trading = _account_for(AccountRole.FX_TRADING, dst.currency)
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


# --- periods ----------------------------------------------------------------


def period_close(
    *, start_date: datetime.date, end_date: datetime.date, closed_by_id: int | None = None
) -> ClosedPeriod:
    """Close a period for good: no entry may be dated inside it afterwards.

    Takes a SHARE lock on entries so that no posting in flight can commit an
    entry into the period after it is closed.
    """
    if start_date > end_date:
        raise exc.ValidationFailed("A period starts on or before its end.")
    with _database_errors(), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE ledger_entry IN SHARE MODE")
        return ClosedPeriod.objects.create(
            start_date=start_date, end_date=end_date, closed_by_id=closed_by_id
        )


# --- balance checkpoints ----------------------------------------------------


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
            # Before the INSERT takes its own lock on the table: two checkpoints
            # then queue here instead of deadlocking in the row trigger's LOCK.
            cursor.execute("LOCK TABLE ledger_checkpoint IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(
                "SELECT c.posting_horizon, c.candidate, "
                "coalesce(pg_sequence_last_value('ledger_posting_id_seq'), 0) "
                "FROM (SELECT 1) one LEFT JOIN LATERAL "
                "(SELECT * FROM ledger_checkpoint ORDER BY id DESC LIMIT 1) c ON true"
            )
            horizon, candidate, newest = cursor.fetchone()
            if horizon is not None and horizon == candidate == newest:
                return horizon  # nothing posted since: no new row
            cursor.execute("INSERT INTO ledger_checkpoint DEFAULT VALUES RETURNING posting_horizon")
            horizon = cursor.fetchone()[0]
    return horizon


# --- the hash chain ---------------------------------------------------------


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


def _seal_batch(cursor, batch_size: int) -> tuple[int, bool]:  # noqa: ANN001
    """Seal one batch; must run under the sealer's advisory lock."""
    # Every transaction older than this snapshot's xmin has finished, so once
    # this batch is sealed no entry of theirs can still appear unsealed.
    cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
    xmin = cursor.fetchone()[0]
    cursor.execute("INSERT INTO ledger_sealerstate (id, txid_horizon) VALUES (1, 0) ON CONFLICT DO NOTHING")
    cursor.execute("SELECT txid_horizon FROM ledger_sealerstate WHERE id = 1 FOR UPDATE")
    horizon = cursor.fetchone()[0]
    cursor.execute(
        f"SELECT {ENTRY_COLUMNS} FROM ledger_entry e WHERE e.txid >= %s "
        "AND NOT EXISTS (SELECT 1 FROM ledger_seal s WHERE s.entry_id = e.id) "
        "ORDER BY e.id LIMIT %s",
        [horizon, batch_size],
    )
    entries = cursor.fetchall()
    if entries:
        postings = postings_by_entry(cursor, [row[0] for row in entries])
        cursor.execute("SELECT seq, hash FROM ledger_seal ORDER BY seq DESC LIMIT 1")
        head = cursor.fetchone()
        seq, prev = (head[0], bytes(head[1])) if head else (0, ZERO_HASH)
        seals = []
        for row in entries:
            seq += 1
            digest = entry_digest(seq=seq, prev_hash=prev, entry=row, postings=postings[row[0]])
            seals.append((row[0], seq, prev, digest))
            prev = digest
        cursor.executemany(
            "INSERT INTO ledger_seal (entry_id, seq, prev_hash, hash) VALUES (%s, %s, %s, %s)", seals
        )
    more = len(entries) == batch_size
    if not more and xmin > horizon:
        cursor.execute("UPDATE ledger_sealerstate SET txid_horizon = %s WHERE id = 1", [xmin])
    return len(entries), more
