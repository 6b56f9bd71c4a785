"""The auditor pack's figures, read from the books through ledger.api only; amounts in minor units.

Every balance comes from `ledger.api.balances_at` (the ledger's current balances less
the postings dated later), every journal line from `ledger.api.entry_list_between`.
Nothing here sums postings itself. Memos are left out: a treasurer's manual entry
carries free text, which could name a person.
"""

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction

from ledger import api as ledger
from reports.auditor.exceptions import ReportFailed, ReportNotReady, ReportRunNotFound
from reports.auditor.models import ReportRun, ReportStatus


@dataclass(frozen=True, slots=True)
class AccountRef:
    id: int
    code: str
    name: str
    type: str
    role: str | None
    currency: str


@dataclass(frozen=True, slots=True)
class FundRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class TrialBalanceLine:
    account: AccountRef
    balance: int  # debit positive

    @property
    def debit(self) -> int:
        return max(self.balance, 0)

    @property
    def credit(self) -> int:
        return max(-self.balance, 0)


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    currency: str
    debit: int
    credit: int


@dataclass(frozen=True, slots=True)
class AmountLine:
    """One account's figure in a statement, positive in the direction the statement reads it."""

    account: AccountRef
    amount: int


@dataclass(frozen=True, slots=True)
class FundActivities:
    """A fund's movements in one currency over the period."""

    fund: FundRef
    currency: str
    income: tuple[AmountLine, ...]  # credits positive
    expenses: tuple[AmountLine, ...]  # debits positive
    other: tuple[AmountLine, ...]  # net assets accounts (transfers, currency trading): credits positive

    @property
    def total_income(self) -> int:
        return sum(line.amount for line in self.income)

    @property
    def total_expenses(self) -> int:
        return sum(line.amount for line in self.expenses)

    @property
    def total_other(self) -> int:
        return sum(line.amount for line in self.other)

    @property
    def change_in_net_assets(self) -> int:
        return self.total_income - self.total_expenses + self.total_other


@dataclass(frozen=True, slots=True)
class FundPosition:
    """A fund's assets and liabilities in one currency at the end of the period."""

    fund: FundRef
    currency: str
    assets: tuple[AmountLine, ...]  # debits positive
    liabilities: tuple[AmountLine, ...]  # credits positive

    @property
    def total_assets(self) -> int:
        return sum(line.amount for line in self.assets)

    @property
    def total_liabilities(self) -> int:
        return sum(line.amount for line in self.liabilities)

    @property
    def net_assets(self) -> int:
        return self.total_assets - self.total_liabilities


@dataclass(frozen=True, slots=True)
class JournalPosting:
    account: AccountRef
    fund: FundRef
    currency: str
    amount: int  # debit positive


@dataclass(frozen=True, slots=True)
class JournalEntry:
    id: int
    date: datetime.date
    kind: str
    source_type: str
    source_id: str
    reverses_id: int | None
    seal_seq: int | None
    hash_prefix: str  # the first 16 hex digits of the entry's chain hash; empty until sealed
    postings: tuple[JournalPosting, ...]


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One posting to an account in the period, and the account's balance after it."""

    date: datetime.date
    entry_id: int
    kind: str
    source_type: str
    source_id: str
    fund: FundRef
    amount: int  # debit positive
    balance: int  # debit positive


@dataclass(frozen=True, slots=True)
class AccountLedger:
    """An account's page of the general ledger: its balance before the period, each posting, and after."""

    account: AccountRef
    opening: int  # debit positive
    lines: tuple[LedgerLine, ...]

    @property
    def closing(self) -> int:
        return self.lines[-1].balance if self.lines else self.opening


@dataclass(frozen=True, slots=True)
class AuditorPack:
    date_from: datetime.date
    date_to: datetime.date
    fund: FundRef | None
    chain_seq: int
    chain_hash: str  # hex
    trial_balance: tuple[TrialBalanceLine, ...]
    trial_balance_totals: tuple[CurrencyTotals, ...]
    activities: tuple[FundActivities, ...]
    position: tuple[FundPosition, ...]
    journal: tuple[JournalEntry, ...]
    general_ledger: tuple[AccountLedger, ...]


HASH_PREFIX_DIGITS = 16
_INCOME, _EXPENSE, _ASSET, _LIABILITY, _NET_ASSETS = (
    ledger.AccountType.INCOME,
    ledger.AccountType.EXPENSE,
    ledger.AccountType.ASSET,
    ledger.AccountType.LIABILITY,
    ledger.AccountType.NET_ASSETS,
)


def _accounts() -> dict[int, AccountRef]:
    return {a.pk: AccountRef(a.pk, a.code, a.name, a.type, a.role, a.currency) for a in ledger.account_list()}


def _funds() -> dict[int, FundRef]:
    return {f.pk: FundRef(f.pk, f.code, f.name) for f in ledger.fund_list()}


def _by_account(rows: Iterable[ledger.BalanceAtRow]) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for row in rows:
        totals[row.account_id] += row.balance
    return totals


def trial_balance_at(
    *, date: datetime.date, fund_id: int | None, accounts: dict[int, AccountRef]
) -> tuple[tuple[TrialBalanceLine, ...], tuple[CurrencyTotals, ...]]:
    """Each account's balance at the end of `date` (zeros left out), by code, and totals per currency."""
    totals = _by_account(ledger.balances_at(date=date, fund_id=fund_id))
    lines = sorted(
        (
            TrialBalanceLine(accounts[account_id], balance)
            for account_id, balance in totals.items()
            if balance
        ),
        key=lambda line: (line.account.code, line.account.currency),
    )
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        sums[line.account.currency][0] += line.debit
        sums[line.account.currency][1] += line.credit
    return tuple(lines), tuple(CurrencyTotals(c, d, k) for c, (d, k) in sorted(sums.items()))


def _by_fund_currency_account(
    rows: Iterable[ledger.BalanceAtRow], sign: int = 1
) -> dict[tuple[int, str], dict[int, int]]:
    grouped: dict[tuple[int, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        grouped[(row.fund_id, row.currency)][row.account_id] += sign * row.balance
    return grouped


def _lines(amounts: dict[int, int], accounts: dict[int, AccountRef], type_: str, sign: int) -> tuple:
    return tuple(
        sorted(
            (
                AmountLine(accounts[account_id], sign * amount)
                for account_id, amount in amounts.items()
                if amount and accounts[account_id].type == type_
            ),
            key=lambda line: line.account.code,
        )
    )


def activities_between(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    fund_id: int | None,
    accounts: dict[int, AccountRef],
    funds: dict[int, FundRef],
) -> tuple[FundActivities, ...]:
    """Per fund and currency, what moved on income, expense and net assets accounts over the period.

    The movement is the balance at the end of `date_to` less the balance at the end of the
    day before `date_from`.
    """
    day_before = date_from - datetime.timedelta(days=1)
    movements = _by_fund_currency_account(ledger.balances_at(date=date_to, fund_id=fund_id))
    for key, amounts in _by_fund_currency_account(
        ledger.balances_at(date=day_before, fund_id=fund_id), sign=-1
    ).items():
        for account_id, amount in amounts.items():
            movements[key][account_id] += amount
    result = []
    for (fund, currency), amounts in sorted(movements.items()):
        statement = FundActivities(
            fund=funds[fund],
            currency=currency,
            income=_lines(amounts, accounts, _INCOME, -1),
            expenses=_lines(amounts, accounts, _EXPENSE, 1),
            other=_lines(amounts, accounts, _NET_ASSETS, -1),
        )
        if statement.income or statement.expenses or statement.other:
            result.append(statement)
    return tuple(result)


def position_at(
    *,
    date: datetime.date,
    fund_id: int | None,
    accounts: dict[int, AccountRef],
    funds: dict[int, FundRef],
) -> tuple[FundPosition, ...]:
    """Per fund and currency, the assets and liabilities at the end of `date`, and so the net assets."""
    result = []
    for (fund, currency), amounts in sorted(
        _by_fund_currency_account(ledger.balances_at(date=date, fund_id=fund_id)).items()
    ):
        position = FundPosition(
            fund=funds[fund],
            currency=currency,
            assets=_lines(amounts, accounts, _ASSET, 1),
            liabilities=_lines(amounts, accounts, _LIABILITY, -1),
        )
        if position.assets or position.liabilities:
            result.append(position)
    return tuple(result)


def journal_between(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    fund_id: int | None,
    accounts: dict[int, AccountRef],
    funds: dict[int, FundRef],
) -> tuple[JournalEntry, ...]:
    """The entries of the period with their postings (in the fund alone, if one is given); no memos."""
    return tuple(
        JournalEntry(
            id=entry.id,
            date=entry.date,
            kind=entry.kind,
            source_type=entry.source_type,
            source_id=entry.source_id,
            reverses_id=entry.reverses_id,
            seal_seq=entry.seal.seq if entry.seal else None,
            hash_prefix=entry.seal.hash.hex()[:HASH_PREFIX_DIGITS] if entry.seal else "",
            postings=tuple(
                JournalPosting(accounts[p.account_id], funds[p.fund_id], p.currency, p.amount)
                for p in entry.postings
            ),
        )
        for entry in ledger.entry_list_between(date_from=date_from, date_to=date_to, fund_id=fund_id)
    )


def general_ledger_between(
    *,
    date_from: datetime.date,
    fund_id: int | None,
    accounts: dict[int, AccountRef],
    journal: tuple[JournalEntry, ...],
) -> tuple[AccountLedger, ...]:
    """Per account, by code: the balance at the end of the day before the period, then the
    period's postings to it (from the journal, in date and entry order) with the running balance.

    Its closing balances are the trial balance's at the period's end: the same books.
    """
    opening = _by_account(ledger.balances_at(date=date_from - datetime.timedelta(days=1), fund_id=fund_id))
    postings: dict[int, list[tuple[JournalEntry, JournalPosting]]] = defaultdict(list)
    for entry in sorted(journal, key=lambda e: (e.date, e.id)):
        for posting in entry.postings:
            postings[posting.account.id].append((entry, posting))
    pages = []
    for account_id in sorted(
        {a for a, balance in opening.items() if balance} | set(postings),
        key=lambda a: (accounts[a].code, accounts[a].currency),
    ):
        balance, lines = opening.get(account_id, 0), []
        for entry, posting in postings[account_id]:
            balance += posting.amount
            lines.append(
                LedgerLine(
                    entry.date,
                    entry.id,
                    entry.kind,
                    entry.source_type,
                    entry.source_id,
                    posting.fund,
                    posting.amount,
                    balance,
                )
            )
        pages.append(AccountLedger(accounts[account_id], opening.get(account_id, 0), tuple(lines)))
    return tuple(pages)


def auditor_pack_build(
    *, date_from: datetime.date, date_to: datetime.date, fund_id: int | None = None
) -> AuditorPack:
    """Every section of the pack. Call it inside one REPEATABLE READ transaction so they agree."""
    accounts, funds = _accounts(), _funds()
    seq, digest = ledger.chain_head()
    trial_balance, totals = trial_balance_at(date=date_to, fund_id=fund_id, accounts=accounts)
    journal = journal_between(
        date_from=date_from, date_to=date_to, fund_id=fund_id, accounts=accounts, funds=funds
    )
    return AuditorPack(
        date_from=date_from,
        date_to=date_to,
        fund=funds[fund_id] if fund_id is not None else None,
        chain_seq=seq,
        chain_hash=digest.hex(),
        trial_balance=trial_balance,
        trial_balance_totals=totals,
        activities=activities_between(
            date_from=date_from, date_to=date_to, fund_id=fund_id, accounts=accounts, funds=funds
        ),
        position=position_at(date=date_to, fund_id=fund_id, accounts=accounts, funds=funds),
        journal=journal,
        general_ledger=general_ledger_between(
            date_from=date_from, fund_id=fund_id, accounts=accounts, journal=journal
        ),
    )


def auditor_pack_read(
    *, date_from: datetime.date, date_to: datetime.date, fund_id: int | None = None
) -> AuditorPack:
    """auditor_pack_build in one REPEATABLE READ, read-only snapshot, so every section agrees.

    Inside a transaction already open (a test's), the caller's snapshot is used.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return auditor_pack_build(date_from=date_from, date_to=date_to, fund_id=fund_id)


def report_run_get(*, run_id: uuid.UUID) -> ReportRun:
    """One run by its id; ReportRunNotFound if there is none."""
    run = ReportRun.objects.filter(pk=run_id).defer("pdf", "csv_zip").first()
    if run is None:
        raise ReportRunNotFound()
    return run


def report_run_document(*, run_id: uuid.UUID, document: str) -> tuple[ReportRun, bytes]:
    """A done run and one of its documents (`pdf` or `csv_zip`); ReportNotReady or ReportFailed before."""
    run = ReportRun.objects.filter(pk=run_id).first()
    if run is None:
        raise ReportRunNotFound()
    if run.status == ReportStatus.FAILED:
        raise ReportFailed()
    if run.status != ReportStatus.DONE:
        raise ReportNotReady()
    return run, bytes(getattr(run, document))
