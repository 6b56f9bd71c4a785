"""Ledger reads: balances, trial balance, statements, fund balances, chain head."""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, QuerySet
from django.db.models.expressions import RawSQL

from ledger.chain import ZERO_HASH
from ledger.exceptions import EntryNotFound, UnknownReference
from ledger.models import Account, AccountRole, AccountType, Balance, Entry, EntryKind, Fund

# The one definition of a current balance is the SQL function
# ledger_current_balances(account, fund) (ledger/sql): the balance row plus the
# postings no checkpoint has folded into it yet. Every reader here goes through it.


def account_list() -> QuerySet[Account]:
    return Account.objects.all()


def fund_list() -> QuerySet[Fund]:
    return Fund.objects.all()


def entry_list() -> QuerySet[Entry]:
    """Entries with their postings and seals, ready for listing without N+1 queries."""
    return Entry.objects.select_related("seal").prefetch_related("postings")


def account_balance(*, account_id: int, fund_id: int | None = None) -> int:
    """Current balance in minor units (debit positive), in one fund or all of them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(ledger_sum(balance), 0) FROM ledger_current_balances(%s, %s)",
            [account_id, fund_id],
        )
        return cursor.fetchone()[0]


def fund_net_assets(*, fund_id: int, currency: str) -> int:
    """A fund's assets less its liabilities in one currency, in minor units.

    This is the money the fund holds that nothing has claimed yet: a committed
    grant (grants expense / grants payable) lowers it, and paying it out does not.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT coalesce(sum(CASE WHEN a.type = %s THEN x.balance ELSE 0 END), 0)
                 + coalesce(sum(CASE WHEN a.type = %s THEN x.balance ELSE 0 END), 0)
              FROM ledger_current_balances(NULL, %s) x
              JOIN ledger_account a ON a.id = x.account_id
             WHERE x.currency = %s
            """,
            [AccountType.ASSET, AccountType.LIABILITY, fund_id, currency],
        )
        return int(cursor.fetchone()[0])


def fund_uncommitted(*, fund_id: int, currency: str) -> int:
    """What a fund can still commit in one currency, in minor units.

    Its assets less its liabilities in that currency, plus its currency trading
    position there (debit positive): value moved to another currency, by a
    conversion or by a commitment at a fixed rate, leaves through the trading
    account. A commitment in the same currency (grants expense / grants payable)
    lowers it; paying the grant out does not.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT coalesce(sum(x.balance), 0)
              FROM ledger_current_balances(NULL, %s) x
              JOIN ledger_account a ON a.id = x.account_id
             WHERE x.currency = %s AND (a.type IN (%s, %s) OR a.role = %s)
            """,
            [fund_id, currency, AccountType.ASSET, AccountType.LIABILITY, AccountRole.FX_TRADING],
        )
        return int(cursor.fetchone()[0])


class TrialBalanceRow(tuple):
    """One account's line: (account_id, code, name, type, currency, balance), debit positive.

    A tuple with named fields made straight from the database row, as the trial
    balance builds one per account and must stay fast at tens of thousands.
    """

    __slots__ = ()

    account_id = property(itemgetter(0))
    code = property(itemgetter(1))
    name = property(itemgetter(2))
    type = property(itemgetter(3))
    currency = property(itemgetter(4))
    balance = property(itemgetter(5))

    @property
    def debit(self) -> int:
        return self[5] if self[5] > 0 else 0

    @property
    def credit(self) -> int:
        return -self[5] if self[5] < 0 else 0

    def __repr__(self) -> str:
        return (
            f"TrialBalanceRow(account_id={self[0]!r}, code={self[1]!r}, name={self[2]!r}, "
            f"type={self[3]!r}, currency={self[4]!r}, balance={self[5]!r})"
        )


def trial_balance(*, fund_id: int | None = None) -> list[TrialBalanceRow]:
    """Every account's current balance (optionally within one fund), in one query.

    Summed per account before the join, so the join hashes narrow totals, not
    the accounts with their names.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id, a.code, a.name, a.type, a.currency, coalesce(t.total, 0)
              FROM ledger_account a
              LEFT JOIN (SELECT b.account_id, ledger_sum(b.balance) AS total
                           FROM ledger_current_balances(NULL, %s) b
                          GROUP BY b.account_id) t ON t.account_id = a.id
             ORDER BY a.code COLLATE "C"
            """,
            [fund_id],
        )
        return list(map(TrialBalanceRow, cursor.fetchall()))


def trial_balance_totals(rows: Sequence[TrialBalanceRow]) -> list[dict[str, Any]]:
    """Debit and credit totals per currency of trial-balance rows, by currency code."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"debit": 0, "credit": 0})
    for row in rows:
        totals[row.currency]["debit"] += row.debit
        totals[row.currency]["credit"] += row.credit
    return [{"currency": currency, **sums} for currency, sums in sorted(totals.items())]


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    date: datetime.date
    kind: str
    memo: str
    fund_id: int
    amount: int
    running_balance: int


@dataclass(frozen=True)
class AccountStatement:
    account_id: int
    currency: str
    date_from: datetime.date | None
    date_to: datetime.date | None
    opening_balance: int
    closing_balance: int
    lines: list[StatementLine]


def account_statement(
    *,
    account_id: int,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    fund_id: int | None = None,
    limit: int = 1000,
) -> AccountStatement:
    """Postings of one account in date order with a running balance.

    The opening balance is the sum of everything dated before date_from;
    at most `limit` lines are returned (the closing balance covers them).
    """
    try:
        account = Account.objects.get(pk=account_id)
    except Account.DoesNotExist:
        raise UnknownReference(f"No account with id {account_id}.") from None
    params: list = [account_id]
    fund_sql = ""
    if fund_id is not None:
        fund_sql = "AND p.fund_id = %s"
        params.append(fund_id)
    opening = 0
    with connection.cursor() as cursor:
        if date_from is not None:
            cursor.execute(
                f"SELECT coalesce(sum(p.amount), 0) FROM ledger_posting p "
                f"JOIN ledger_entry e ON e.id = p.entry_id "
                f"WHERE p.account_id = %s {fund_sql} AND e.date < %s",
                [*params, date_from],
            )
            opening = int(cursor.fetchone()[0])
        range_sql = ""
        range_params: list = []
        if date_from is not None:
            range_sql += " AND e.date >= %s"
            range_params.append(date_from)
        if date_to is not None:
            range_sql += " AND e.date <= %s"
            range_params.append(date_to)
        cursor.execute(
            f"""
            SELECT e.id, e.date, e.kind, e.memo, p.fund_id, p.amount,
                   %s + sum(p.amount) OVER (ORDER BY e.date, e.id, p.leg_no)
              FROM ledger_posting p JOIN ledger_entry e ON e.id = p.entry_id
             WHERE p.account_id = %s {fund_sql} {range_sql}
             ORDER BY e.date, e.id, p.leg_no
             LIMIT %s
            """,
            [opening, *params, *range_params, limit],
        )
        lines = [StatementLine(*row) for row in cursor.fetchall()]
    closing = lines[-1].running_balance if lines else opening
    return AccountStatement(
        account_id=account.pk,
        currency=account.currency,
        date_from=date_from,
        date_to=date_to,
        opening_balance=opening,
        closing_balance=closing,
        lines=lines,
    )


@dataclass(frozen=True)
class FundBalanceRow:
    fund_id: int
    fund_code: str
    currency: str
    assets: int
    liabilities: int  # credit balances are negative; shown as a positive amount owed
    income: int
    expenses: int
    net_assets: int  # assets minus liabilities: what the fund holds


def fund_balances() -> list[FundBalanceRow]:
    """Per fund and currency: assets, liabilities, income, expenses and net assets."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT f.id, f.code, x.currency, a.type, ledger_sum(x.balance)
              FROM ledger_current_balances() x
              JOIN ledger_account a ON a.id = x.account_id
              JOIN ledger_fund f ON f.id = x.fund_id
             GROUP BY f.id, f.code, x.currency, a.type
             ORDER BY f.id, x.currency
            """
        )
        totals: dict[tuple[int, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for fund_id, code, currency, type_, total in cursor.fetchall():
            totals[(fund_id, code, currency)][type_] += int(total)
    rows = []
    for (fund_id, code, currency), t in totals.items():
        assets, liabilities = t[AccountType.ASSET], -t[AccountType.LIABILITY]
        rows.append(
            FundBalanceRow(
                fund_id=fund_id,
                fund_code=code,
                currency=currency,
                assets=assets,
                liabilities=liabilities,
                income=-t[AccountType.INCOME],
                expenses=t[AccountType.EXPENSE],
                net_assets=assets - liabilities,
            )
        )
    return rows


def chain_head() -> tuple[int, bytes]:
    """(sequence number, hash) of the newest seal; (0, zero hash) for an empty chain."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, hash FROM ledger_seal ORDER BY seq DESC LIMIT 1")
        row = cursor.fetchone()
    return (row[0], bytes(row[1])) if row else (0, ZERO_HASH)


def balance_list() -> QuerySet[Balance]:
    """One row per (account, fund) ever posted to, in key order, with its current balance as `current`."""
    return Balance.objects.annotate(
        current=RawSQL(
            "(SELECT c.balance FROM ledger_current_balances(ledger_balance.account_id, "
            "ledger_balance.fund_id) c)",
            [],
            output_field=BigIntegerField(),
        )
    ).order_by("account_id", "fund_id")


def account_currencies(*, account_ids: Iterable[int]) -> dict[int, str]:
    """Each existing account's currency, by id; ids without an account are left out."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, currency FROM ledger_account WHERE id = ANY(%s::bigint[])", [list(account_ids)]
        )
        return dict(cursor.fetchall())


@dataclass(frozen=True, slots=True)
class AccountDetail:
    id: int
    code: str
    name: str
    type: str
    currency: str
    role: str | None
    floor: int | None
    balance: int  # over all funds, debit positive


def account_detail_get(*, account_id: int) -> AccountDetail | None:
    """One account with its current balance, in one query; None if there is no such account."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id, a.code, a.name, a.type, a.currency, a.role, a.floor,
                   (SELECT coalesce(ledger_sum(c.balance), 0) FROM ledger_current_balances(a.id, NULL) c)
              FROM ledger_account a
             WHERE a.id = %s
            """,
            [account_id],
        )
        row = cursor.fetchone()
    return AccountDetail(*row) if row else None


@dataclass(frozen=True, slots=True)
class PostingRow:
    leg_no: int
    account_id: int
    fund_id: int
    currency: str
    amount: int


@dataclass(frozen=True, slots=True)
class SealRow:
    seq: int
    hash: bytes
    prev_hash: bytes
    sealed_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class EntryDetail:
    """An entry with its postings (by leg number), its seal and the entry that reverses it."""

    id: int
    date: datetime.date
    kind: str
    memo: str
    source_type: str
    source_id: str
    reverses_id: int | None
    reversed_by_id: int | None
    fx_rate: Decimal | None
    fx_rate_source: str
    created_by_id: int | None
    created_at: datetime.datetime
    seal: SealRow | None
    postings: tuple[PostingRow, ...]


# An entry's columns, its reversing entry, its seal and its postings as arrays by leg number.
_ENTRY_DETAIL_SQL = """
    SELECT e.id, e.date, e.kind, e.memo, e.source_type, e.source_id, e.reverses_id,
           (SELECT r.id FROM ledger_entry r WHERE r.reverses_id = e.id),
           e.fx_rate, e.fx_rate_source, e.created_by_id, e.created_at,
           s.seq, s.hash, s.prev_hash, s.sealed_at,
           p.leg_nos, p.account_ids, p.fund_ids, p.currencies, p.amounts
      FROM ledger_entry e
      LEFT JOIN ledger_seal s ON s.entry_id = e.id
     CROSS JOIN LATERAL (
           SELECT array_agg(leg_no ORDER BY leg_no) AS leg_nos,
                  array_agg(account_id ORDER BY leg_no) AS account_ids,
                  array_agg(fund_id ORDER BY leg_no) AS fund_ids,
                  array_agg(currency ORDER BY leg_no) AS currencies,
                  array_agg(amount ORDER BY leg_no) AS amounts
             FROM ledger_posting WHERE entry_id = e.id AND (%(fund)s::bigint IS NULL OR fund_id = %(fund)s)) p
"""


def _entry_detail(row: Sequence[Any]) -> EntryDetail:
    (id_, date, kind, memo, source_type, source_id, reverses_id, reversed_by_id) = row[:8]
    (fx_rate, fx_rate_source, created_by_id, created_at, seq, digest, prev_hash, sealed_at) = row[8:16]
    return EntryDetail(
        id=id_,
        date=date,
        kind=kind,
        memo=memo,
        source_type=source_type,
        source_id=source_id,
        reverses_id=reverses_id,
        reversed_by_id=reversed_by_id,
        fx_rate=fx_rate,
        fx_rate_source=fx_rate_source,
        created_by_id=created_by_id,
        created_at=created_at,
        seal=None if seq is None else SealRow(seq, bytes(digest), bytes(prev_hash), sealed_at),
        postings=tuple(map(PostingRow, *row[16:21])),
    )


def entry_get(*, entry_id: int) -> EntryDetail:
    """One entry with its postings, seal and reversal, in one query; EntryNotFound if there is none."""
    with connection.cursor() as cursor:
        cursor.execute(f"{_ENTRY_DETAIL_SQL} WHERE e.id = %(id)s", {"id": entry_id, "fund": None})
        row = cursor.fetchone()
    if row is None:
        raise EntryNotFound(f"No entry with id {entry_id}.")
    return _entry_detail(row)


def entry_list_between(
    *, date_from: datetime.date, date_to: datetime.date, fund_id: int | None = None
) -> list[EntryDetail]:
    """The journal of a period: entries dated from `date_from` to `date_to`, in date and id order.

    With a fund, only the entries that post to it, each with its postings in that fund
    alone (an entry balances per fund, so they balance on their own).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""{_ENTRY_DETAIL_SQL}
             WHERE e.date BETWEEN %(from)s AND %(to)s
               AND (%(fund)s::bigint IS NULL
                    OR EXISTS (SELECT 1 FROM ledger_posting f
                                WHERE f.entry_id = e.id AND f.fund_id = %(fund)s))
             ORDER BY e.date, e.id
            """,
            {"from": date_from, "to": date_to, "fund": fund_id},
        )
        return list(map(_entry_detail, cursor.fetchall()))


@dataclass(frozen=True, slots=True)
class BalanceAtRow:
    """One (account, fund) balance at the end of a day, in minor units, debit positive."""

    account_id: int
    fund_id: int
    currency: str
    balance: int


def balances_at(*, date: datetime.date, fund_id: int | None = None) -> list[BalanceAtRow]:
    """Every (account, fund) balance at the end of `date` (optionally in one fund); zeros left out.

    The current balances (ledger_current_balances, the one definition) less the
    postings dated after `date`, in one statement and so one snapshot: the cost
    follows the entries dated later, few for a recent period, not the whole journal.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT x.account_id, x.fund_id, min(x.currency)::varchar, ledger_sum(x.amount)
              FROM (SELECT c.account_id, c.fund_id, c.currency, c.balance AS amount
                      FROM ledger_current_balances(NULL, %(fund)s) c
                    UNION ALL
                    SELECT p.account_id, p.fund_id, p.currency, -p.amount
                      FROM ledger_entry e
                      JOIN ledger_posting p ON p.entry_id = e.id
                     WHERE e.date > %(date)s AND (%(fund)s::bigint IS NULL OR p.fund_id = %(fund)s)) x
             GROUP BY x.account_id, x.fund_id
            HAVING ledger_sum(x.amount) <> 0
             ORDER BY x.account_id, x.fund_id
            """,
            {"date": date, "fund": fund_id},
        )
        return [BalanceAtRow(*row) for row in cursor.fetchall()]


def account_statement_page(
    *,
    account_id: int,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    fund_id: int | None = None,
    limit: int = 1000,
) -> tuple[AccountStatement, bool]:
    """account_statement with at most `limit` lines, and whether more exist.

    The closing balance is the running balance after the last line returned.
    """
    statement = account_statement(
        account_id=account_id, date_from=date_from, date_to=date_to, fund_id=fund_id, limit=limit + 1
    )
    if len(statement.lines) <= limit:
        return statement, False
    lines = statement.lines[:limit]
    closing = lines[-1].running_balance if lines else statement.opening_balance
    return replace(statement, lines=lines, closing_balance=closing), True


@dataclass(frozen=True, slots=True)
class FundActivityRow:
    """What went into and out of one fund in one currency, from the books (minor units)."""

    fund_id: int
    currency: str
    income: int  # income accounts' credit balance: donations net of refunds and lost disputes
    committed: int  # grants expense: granted from the fund, net of reversed approvals
    disbursed: int  # grants payable settled by payments, net of reversed payments


def fund_activity(*, fund_ids: Sequence[int]) -> list[FundActivityRow]:
    """Income, grants committed and grants paid out per fund and currency, for the funds given.

    Income and commitments are balances (ledger_current_balances); payments are
    the payout entries' debits to grants payable and their reversals' credits,
    read from grants payable's postings, so the cost grows with grants, not gifts.
    """
    if not fund_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT f.id, x.currency,
                   coalesce(-ledger_sum(x.balance) FILTER (WHERE a.type = %s), 0),
                   coalesce(ledger_sum(x.balance) FILTER (WHERE a.role = %s), 0)
              FROM unnest(%s::bigint[]) f(id)
             CROSS JOIN LATERAL ledger_current_balances(NULL, f.id) x
              JOIN ledger_account a ON a.id = x.account_id
             GROUP BY f.id, x.currency
            """,
            [AccountType.INCOME, AccountRole.GRANTS_EXPENSE, list(fund_ids)],
        )
        balances = {(fund, currency): (int(i), int(c)) for fund, currency, i, c in cursor.fetchall()}
        # The accounts first, as literals: the planner then sees how few postings grants payable has.
        cursor.execute("SELECT id FROM ledger_account WHERE role = %s", [AccountRole.GRANTS_PAYABLE])
        payable = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            """
            SELECT p.fund_id, p.currency, sum(p.amount)
              FROM ledger_posting p
              JOIN ledger_entry e ON e.id = p.entry_id
              LEFT JOIN ledger_entry r ON r.id = e.reverses_id
             WHERE p.account_id = ANY(%s::bigint[])
               AND p.fund_id = ANY(%s::bigint[])
               AND (e.kind = %s OR r.kind = %s)
             GROUP BY p.fund_id, p.currency
            """,
            [payable, list(fund_ids), EntryKind.PAYOUT, EntryKind.PAYOUT],
        )
        paid = {(fund, currency): int(total) for fund, currency, total in cursor.fetchall()}
    return [
        FundActivityRow(
            fund, currency, *balances.get((fund, currency), (0, 0)), paid.get((fund, currency), 0)
        )
        for fund, currency in sorted(balances.keys() | paid.keys())
    ]


@dataclass(frozen=True, slots=True)
class FxQuote:
    """A rate the books recorded: `to_amount` of `to_currency` for `from_amount` of `currency`."""

    currency: str
    to_currency: str
    from_amount: int  # minor units, positive
    to_amount: int  # minor units, positive
    entry_id: int
    date: datetime.date


def fx_quotes_latest(*, currencies: Iterable[str], to_currency: str) -> dict[str, FxQuote]:
    """The latest currency conversion between each currency and `to_currency`, by currency.

    Read from the two trading accounts' postings of the conversion entry: the
    amounts exchanged, whichever way, so the rate is their exact ratio. A
    currency never converted to or from `to_currency` is left out.
    """
    wanted = sorted(set(currencies) - {to_currency})
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ax.currency, abs(q.x_amount), abs(q.to_amount), q.entry_id, q.date
              FROM ledger_account ax
              JOIN ledger_account ab ON ab.role = %s AND ab.currency = %s
             CROSS JOIN LATERAL (
                   SELECT px.amount AS x_amount, pb.amount AS to_amount, e.id AS entry_id, e.date
                     FROM ledger_posting px
                     JOIN ledger_posting pb ON pb.entry_id = px.entry_id AND pb.account_id = ab.id
                     JOIN ledger_entry e ON e.id = px.entry_id
                    WHERE px.account_id = ax.id AND e.kind = %s
                    ORDER BY px.id DESC
                    LIMIT 1) q
             WHERE ax.role = %s AND ax.currency = ANY(%s)
            """,
            [AccountRole.FX_TRADING, to_currency, EntryKind.FX_CONVERSION, AccountRole.FX_TRADING, wanted],
        )
        return {
            currency: FxQuote(currency, to_currency, int(x), int(b), entry_id, date)
            for currency, x, b, entry_id, date in cursor.fetchall()
        }
