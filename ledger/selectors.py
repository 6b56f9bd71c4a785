"""Ledger reads: balances, trial balance, statements, fund balances, chain head."""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, QuerySet
from django.db.models.expressions import RawSQL

from ledger.chain import ZERO_HASH
from ledger.exceptions import UnknownReference
from ledger.models import Account, AccountType, Balance, Entry, Fund

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
