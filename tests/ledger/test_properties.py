"""Random sequences of ledger operations keep every invariant of the books."""

import uuid
from collections import defaultdict

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ledger import exceptions as exc
from ledger.models import Account, AccountRole, Entry, Posting
from ledger.selectors import balance_list
from ledger.services import (
    EntrySpec,
    PostingSpec,
    currency_convert,
    entry_post,
    entry_reverse,
    fund_transfer,
    ledger_seal,
)
from ledger.verification import ledger_verify
from tests.conftest import TODAY

CURRENCIES = ("EUR", "USD", "JPY", "KWD")
# Every chart account but the bank has no floor, so any random movement is allowed.
FREE_ROLES = tuple(role for role in AccountRole.values if role != AccountRole.BANK)
amounts = st.integers(min_value=1, max_value=10**9)


def _trial_balance_off() -> list[tuple]:
    totals: dict[tuple[str, int], int] = defaultdict(int)
    for row in balance_list():
        totals[(row.currency, row.fund_id)] += row.current
    return sorted((currency, fund, total) for (currency, fund), total in totals.items() if total)


Leg = tuple[int, int, str, int]  # account id, fund id, currency, signed amount


class LedgerMachine(RuleBasedStateMachine):
    """Posts, reverses, transfers and converts at random, checking the books after each step.

    The machine keeps its own model of every entry's legs, built from what it
    asked for, and compares the database with it. Each run happens inside a
    savepoint that is rolled back at teardown, so runs start from the same chart.
    """

    # Set by the test before running.
    chart = None
    accounts: dict[tuple[str, str], Account] = {}  # (role, currency) -> account

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.legs: dict[int, list[Leg]] = {}
        self.reversed: set[int] = set()
        self.funds = [self.chart.general.pk, self.chart.relief.pk]

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _free_accounts(self, currency: str) -> list[Account]:
        return [self.accounts[(role, currency)] for role in FREE_ROLES]

    def _record(self, entry_id: int, legs: list[Leg]) -> None:
        """Remember an entry and check the database wrote exactly these legs for it."""
        assert entry_id not in self.legs
        self.legs[entry_id] = legs
        written = Posting.objects.filter(entry_id=entry_id).values_list(
            "account_id", "fund_id", "currency", "amount"
        )
        assert sorted(written) == sorted(legs)

    @initialize()
    def start_empty(self) -> None:
        assert not Entry.objects.exists()

    @rule(
        data=st.data(),
        currency=st.sampled_from(CURRENCIES),
        n_legs=st.integers(min_value=2, max_value=5),
    )
    def post_an_entry(self, data, currency: str, n_legs: int) -> None:
        fund = data.draw(st.sampled_from(self.funds))
        accounts = data.draw(
            st.lists(st.sampled_from(self._free_accounts(currency)), min_size=n_legs, max_size=n_legs)
        )
        debits = data.draw(st.lists(amounts, min_size=n_legs - 1, max_size=n_legs - 1))
        legs = [(a.pk, fund, currency, amount) for a, amount in zip(accounts, debits, strict=False)]
        legs.append((accounts[-1].pk, fund, currency, -sum(debits)))
        spec = EntrySpec(
            idempotency_key=uuid.uuid4(), postings=tuple(PostingSpec(*leg) for leg in legs), date=TODAY
        )
        posted = entry_post(spec)
        assert not posted.replayed
        self._record(posted.entry_id, legs)

    @precondition(lambda self: self.legs)
    @rule(data=st.data())
    def reverse_an_entry(self, data) -> None:
        entry_id = data.draw(st.sampled_from(sorted(self.legs)))
        if entry_id in self.reversed:
            with pytest.raises(exc.AlreadyReversed):
                entry_reverse(entry_id=entry_id, idempotency_key=uuid.uuid4(), date=TODAY)
            return
        reversal = entry_reverse(entry_id=entry_id, idempotency_key=uuid.uuid4(), date=TODAY).entry_id
        self.reversed.add(entry_id)
        self._record(reversal, [(a, f, c, -amount) for a, f, c, amount in self.legs[entry_id]])
        net: dict[tuple, int] = defaultdict(int)
        for account_id, fund_id, currency, amount in self.legs[entry_id] + self.legs[reversal]:
            net[(account_id, fund_id, currency)] += amount
        assert set(net.values()) == {0}

    @rule(data=st.data(), currency=st.sampled_from(CURRENCIES), amount=amounts, forward=st.booleans())
    def transfer_between_funds(self, data, currency: str, amount: int, forward: bool) -> None:
        account = data.draw(st.sampled_from(self._free_accounts(currency)))
        transfers = self.accounts[(AccountRole.FUND_TRANSFERS, currency)]
        source, target = self.funds if forward else self.funds[::-1]
        posted = fund_transfer(
            idempotency_key=uuid.uuid4(),
            from_fund_id=source,
            to_fund_id=target,
            account_id=account.pk,
            amount=amount,
            date=TODAY,
        )
        self._record(
            posted.entry_id,
            [
                (account.pk, source, currency, -amount),
                (transfers.pk, source, currency, amount),
                (account.pk, target, currency, amount),
                (transfers.pk, target, currency, -amount),
            ],
        )

    @rule(
        data=st.data(),
        pair=st.lists(st.sampled_from(CURRENCIES), min_size=2, max_size=2, unique=True),
        from_amount=amounts,
        to_amount=amounts,
    )
    def convert_currency(self, data, pair: list[str], from_amount: int, to_amount: int) -> None:
        src_currency, dst_currency = pair
        src = data.draw(st.sampled_from(self._free_accounts(src_currency)))
        dst = data.draw(st.sampled_from(self._free_accounts(dst_currency)))
        fund = data.draw(st.sampled_from(self.funds))
        posted = currency_convert(
            idempotency_key=uuid.uuid4(),
            fund_id=fund,
            from_account_id=src.pk,
            to_account_id=dst.pk,
            from_amount=from_amount,
            to_amount=to_amount,
            rate_source="hypothesis",
            date=TODAY,
        )
        src_trading = self.accounts[(AccountRole.FX_TRADING, src_currency)]
        dst_trading = self.accounts[(AccountRole.FX_TRADING, dst_currency)]
        self._record(
            posted.entry_id,
            [
                (src.pk, fund, src_currency, -from_amount),
                (src_trading.pk, fund, src_currency, from_amount),
                (dst_trading.pk, fund, dst_currency, -to_amount),
                (dst.pk, fund, dst_currency, to_amount),
            ],
        )

    @rule()
    def seal_and_verify(self) -> None:
        ledger_seal()
        report = ledger_verify()
        assert report.ok, report.problems
        assert report.entries_checked == len(self.legs)

    @invariant()
    def trial_balance_is_zero_per_currency_and_fund(self) -> None:
        assert _trial_balance_off() == []

    @invariant()
    def maintained_balances_equal_the_sums_of_postings(self) -> None:
        stored = {(b.account_id, b.fund_id): b.current for b in balance_list()}
        with connection.cursor() as cursor:
            cursor.execute("SELECT account_id, fund_id, sum(amount) FROM ledger_posting GROUP BY 1, 2")
            summed = {(account, fund): int(total) for account, fund, total in cursor.fetchall()}
        assert stored == summed
        expected: dict[tuple[int, int], int] = defaultdict(int)
        for legs in self.legs.values():
            for account_id, fund_id, _currency, amount in legs:
                expected[(account_id, fund_id)] += amount
        assert stored == dict(expected)
        assert Entry.objects.count() == len(self.legs)


def test_random_ledger_operations_keep_the_books_balanced(chart):
    LedgerMachine.chart = chart
    LedgerMachine.accounts = {(a.role, a.currency): a for a in Account.objects.exclude(role=None)}
    try:
        run_state_machine_as_test(
            LedgerMachine,
            settings=settings(
                max_examples=30,
                stateful_step_count=15,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        LedgerMachine.chart, LedgerMachine.accounts = None, {}
