"""Many connections posting to the same hot accounts at once lose nothing and never deadlock."""

import random
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pytest
from django.db import connection

from ledger import exceptions as exc
from ledger.models import Balance, Entry, EntryKind
from ledger.selectors import account_balance
from ledger.services import (
    EntrySpec,
    PostingSpec,
    balances_checkpoint,
    entries_post_bulk,
    entry_post,
    entry_reverse,
    ledger_seal,
)
from ledger.verification import ledger_verify
from tests.conftest import TODAY

POSTERS = 8
BULK_POSTERS = 2
SECONDS = 4.0


@dataclass
class Outcome:
    """What one thread did, as its caller saw it."""

    backend_pid: int = 0
    posted: dict[int, tuple[PostingSpec, ...]] = field(default_factory=dict)
    refused: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    horizons: list[int] = field(default_factory=list)  # the sealer's checkpoints


def _random_entry(rnd: random.Random, accounts: list, funds: list) -> EntrySpec:
    """Two to four legs in one fund among the hot accounts, the last one balancing."""
    fund = rnd.choice(funds)
    amounts = [0]
    while sum(amounts) == 0:
        amounts = [rnd.choice([-1, 1]) * rnd.randint(1, 5000) for _ in range(rnd.randint(1, 3))]
    amounts.append(-sum(amounts))
    legs = tuple(PostingSpec(rnd.choice(accounts).pk, fund.pk, "EUR", amount) for amount in amounts)
    return EntrySpec(idempotency_key=uuid.uuid4(), postings=legs, date=TODAY)


def _run(work, outcome: Outcome, start: threading.Barrier) -> None:
    """Thread body: own connection, wait for everyone, work until time is up, record everything."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            outcome.backend_pid = cursor.fetchone()[0]
        start.wait(timeout=30)
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            work()
    except Exception:
        outcome.errors.append(traceback.format_exc())
    finally:
        connection.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_parallel_posting_to_hot_accounts_loses_nothing_and_keeps_every_balance_exact(chart):
    bank = chart.account("bank")
    hot = [bank, *(chart.account(role) for role in ("stripe_clearing", "donations_income", "grants_payable"))]
    funds = [chart.general, chart.relief]
    seeded: dict[int, tuple[PostingSpec, ...]] = {}
    for fund in funds:
        spec = chart.transfer(bank, chart.account("donations_income"), 5_000, fund=fund)
        seeded[entry_post(spec).entry_id] = spec.postings

    start = threading.Barrier(POSTERS + BULK_POSTERS + 1)
    outcomes = [Outcome() for _ in range(POSTERS + BULK_POSTERS + 1)]
    threads = []

    def poster(rnd: random.Random, outcome: Outcome):
        def work() -> None:
            if outcome.posted and rnd.random() < 0.1:
                original_id = rnd.choice(list(outcome.posted))
                original = outcome.posted[original_id]
                try:
                    reversal = entry_reverse(entry_id=original_id, idempotency_key=uuid.uuid4(), date=TODAY)
                except (exc.InsufficientFunds, exc.AlreadyReversed) as error:
                    outcome.refused[error.code] += 1
                    return
                outcome.posted[reversal.entry_id] = tuple(
                    PostingSpec(p.account_id, p.fund_id, p.currency, -p.amount) for p in original
                )
                return
            spec = _random_entry(rnd, hot, funds)
            try:
                posted = entry_post(spec)
            except exc.InsufficientFunds as error:
                outcome.refused[error.code] += 1
                return
            assert not posted.replayed
            outcome.posted[posted.entry_id] = spec.postings

        return work

    def bulk_poster(rnd: random.Random, outcome: Outcome):
        def work() -> None:
            specs = [_random_entry(rnd, hot, funds) for _ in range(rnd.randint(2, 6))]
            try:
                posted = entries_post_bulk(specs)
            except exc.InsufficientFunds as error:
                outcome.refused[error.code] += 1
                return
            assert [p.replayed for p in posted] == [False] * len(specs)
            for spec, p in zip(specs, posted, strict=True):
                outcome.posted[p.entry_id] = spec.postings

        return work

    def sealer(outcome: Outcome):
        def work() -> None:
            ledger_seal(wait=False)
            outcome.horizons.append(balances_checkpoint())
            time.sleep(0.05)

        return work

    for i in range(POSTERS + BULK_POSTERS + 1):
        outcome, rnd = outcomes[i], random.Random(1000 + i)
        if i < POSTERS:
            work = poster(rnd, outcome)
        elif i < POSTERS + BULK_POSTERS:
            work = bulk_poster(rnd, outcome)
        else:
            work = sealer(outcome)
        threads.append(threading.Thread(target=_run, args=(work, outcome, start), name=f"ledger-{i}"))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"

    errors = [error for outcome in outcomes for error in outcome.errors]
    assert not errors, "\n".join(errors)
    assert len({outcome.backend_pid for outcome in outcomes}) == len(outcomes)

    # Nothing lost, nothing extra: exactly the entries the callers were told about.
    posted = dict(seeded)
    for outcome in outcomes:
        assert not posted.keys() & outcome.posted.keys()
        posted.update(outcome.posted)
    assert set(Entry.objects.values_list("id", flat=True)) == set(posted)
    assert len(posted) > 10 * (POSTERS + BULK_POSTERS), "too little work was done to prove anything"
    assert Entry.objects.filter(kind=EntryKind.REVERSAL).exists()

    expected: dict[tuple[int, int], int] = defaultdict(int)
    for legs in posted.values():
        for leg in legs:
            expected[(leg.account_id, leg.fund_id)] += leg.amount
    # The checkpoint moved forward (and never back) while the posters were busy.
    horizons = outcomes[-1].horizons
    assert horizons == sorted(horizons) and len(set(horizons)) > 2, horizons
    # Balances read while only some postings are folded into the rows are
    # already exact; the checkpoint then folds in everything (the ledger is quiet).
    for account_id in {account for account, _fund in expected}:
        assert account_balance(account_id=account_id) == sum(
            amount for (account, _fund), amount in expected.items() if account == account_id
        )
    with connection.cursor() as cursor:
        # Up to the newest id handed out: refused entries (a floor) use ids too,
        # so the last of them may lie past the last posting that committed.
        cursor.execute("SELECT max(id), pg_sequence_last_value('ledger_posting_id_seq') FROM ledger_posting")
        newest_posting, newest_id = cursor.fetchone()
        assert balances_checkpoint() == newest_id >= newest_posting
    stored = {(b.account_id, b.fund_id): b.balance for b in Balance.objects.all()}
    assert stored == dict(expected)
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_id, fund_id, sum(amount) FROM ledger_posting GROUP BY 1, 2")
        assert {(a, f): int(total) for a, f, total in cursor.fetchall()} == stored
        cursor.execute("SELECT currency, fund_id FROM ledger_posting GROUP BY 1, 2 HAVING sum(amount) <> 0")
        assert cursor.fetchall() == []
    assert all(stored[(bank.pk, fund.pk)] >= 0 for fund in funds)

    ledger_seal()
    report = ledger_verify()
    assert report.ok, report.problems
    assert report.entries_checked == len(posted)
