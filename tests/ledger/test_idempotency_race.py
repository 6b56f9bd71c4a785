"""The same idempotency key posted from two connections at once makes exactly one entry."""

import random
import threading
import traceback
import uuid
from collections import defaultdict
from collections.abc import Callable

import pytest
from django.db import connection

from ledger import exceptions as exc
from ledger.models import Entry, Posting
from ledger.selectors import account_balance
from ledger.services import EntrySpec, PostedEntry, entries_post_bulk, entry_post

ROUNDS = 15


def _race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in parallel threads, each on its own connection, released together."""
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    errors: list[str] = []

    def run(i: int) -> None:
        try:
            start.wait(timeout=30)
            results[i] = calls[i]()
        except exc.LedgerError as error:
            results[i] = error
        except Exception:
            errors.append(traceback.format_exc())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, "\n".join(errors)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_connections_posting_the_same_key_at_once_make_one_entry_and_share_its_id(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    for n in range(1, ROUNDS + 1):
        spec = chart.transfer(clearing, income, n)
        first, second = _race(lambda spec=spec: entry_post(spec), lambda spec=spec: entry_post(spec))
        assert isinstance(first, PostedEntry) and isinstance(second, PostedEntry), (first, second)
        assert first.entry_id == second.entry_id
        assert sorted([first.replayed, second.replayed]) == [False, True]
        assert Entry.objects.filter(idempotency_key=spec.idempotency_key).count() == 1
    assert Entry.objects.count() == ROUNDS
    assert Posting.objects.count() == 2 * ROUNDS
    assert account_balance(account_id=clearing.pk) == sum(range(1, ROUNDS + 1))


@pytest.mark.django_db(transaction=True)
def test_the_same_key_with_different_content_at_once_makes_one_entry_and_one_conflict(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    for n in range(1, ROUNDS + 1):
        key = uuid.uuid4()
        ours, theirs = (
            chart.transfer(clearing, income, n, key=key),
            chart.transfer(clearing, income, n + 1, key=key),
        )
        results = _race(lambda ours=ours: entry_post(ours), lambda theirs=theirs: entry_post(theirs))
        assert sorted(type(r).__name__ for r in results) == ["IdempotencyConflict", "PostedEntry"], results
        assert Entry.objects.filter(idempotency_key=key).count() == 1
    assert Posting.objects.count() == 2 * ROUNDS


@pytest.mark.django_db(transaction=True)
def test_two_connections_posting_the_same_batch_at_once_make_each_entry_once(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    for _ in range(ROUNDS):
        specs = [chart.transfer(clearing, income, n) for n in range(1, 6)]
        first, second = _race(*[lambda specs=specs: entries_post_bulk(specs)] * 2)
        assert isinstance(first, list) and isinstance(second, list), (first, second)
        assert [p.entry_id for p in first] == [p.entry_id for p in second]
        assert all(a.replayed != b.replayed for a, b in zip(first, second, strict=True))
    assert Entry.objects.count() == 5 * ROUNDS
    assert account_balance(account_id=clearing.pk) == 15 * ROUNDS


@pytest.mark.django_db(transaction=True)
def test_overlapping_batches_in_different_orders_make_each_entry_once(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    rnd = random.Random(7)
    for _ in range(ROUNDS):
        specs = [chart.transfer(clearing, income, n) for n in range(1, 41)]
        mine, yours = specs[:30], specs[10:]
        rnd.shuffle(mine)
        rnd.shuffle(yours)
        first, second = _race(lambda m=mine: entries_post_bulk(m), lambda y=yours: entries_post_bulk(y))
        assert isinstance(first, list) and isinstance(second, list), (first, second)
        ids: dict[uuid.UUID, set[int]] = defaultdict(set)
        replays: dict[uuid.UUID, list[bool]] = defaultdict(list)
        for batch, results in ((mine, first), (yours, second)):
            for spec, posted in zip(batch, results, strict=True):
                ids[spec.idempotency_key].add(posted.entry_id)
                replays[spec.idempotency_key].append(posted.replayed)
        assert all(len(entry_ids) == 1 for entry_ids in ids.values())
        assert len(ids) == 40
        # Whoever wrote an entry is told so; the other caller sees a replay.
        assert all(sorted(flags) in ([False], [False, True]) for flags in replays.values()), replays
    assert Entry.objects.count() == 40 * ROUNDS
    assert account_balance(account_id=clearing.pk) == 820 * ROUNDS


def test_a_replayed_entry_is_returned_even_from_inside_the_caller_s_transaction(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    spec: EntrySpec = chart.transfer(clearing, income, 5)
    first = entry_post(spec)
    (again,) = entries_post_bulk([spec])
    assert again.entry_id == first.entry_id and again.replayed
