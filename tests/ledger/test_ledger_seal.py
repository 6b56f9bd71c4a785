"""The sealer chains committed entries in batches with contiguous sequence numbers."""

import threading

import psycopg
import pytest
from django.db import connection, transaction

from ledger.chain import ENTRY_COLUMNS, POSTING_COLUMNS, ZERO_HASH, entry_digest
from ledger.models import Entry, Seal
from ledger.selectors import chain_head
from ledger.services import SEAL_LOCK_KEY, entry_post, ledger_seal
from ledger.verification import ledger_verify


def _post(chart, n: int) -> list[int]:
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    return [entry_post(chart.transfer(clearing, income, 100 + i)).entry_id for i in range(n)]


def _assert_chain_links(seals: list[Seal]) -> None:
    prev = ZERO_HASH
    with connection.cursor() as cursor:
        for expected_seq, seal in enumerate(seals, start=1):
            assert seal.seq == expected_seq
            assert bytes(seal.prev_hash) == prev
            cursor.execute(f"SELECT {ENTRY_COLUMNS} FROM ledger_entry WHERE id = %s", [seal.entry_id])
            entry = cursor.fetchone()
            cursor.execute(
                f"SELECT {POSTING_COLUMNS} FROM ledger_posting WHERE entry_id = %s ORDER BY leg_no",
                [seal.entry_id],
            )
            digest = entry_digest(seq=seal.seq, prev_hash=prev, entry=entry, postings=cursor.fetchall())
            assert bytes(seal.hash) == digest
            prev = digest


def test_an_empty_ledger_has_the_zero_hash_as_its_head(db):
    assert chain_head() == (0, ZERO_HASH)
    result = ledger_seal()
    assert (result.sealed, result.head_seq, result.head_hash) == (0, 0, ZERO_HASH)


def test_sealing_chains_every_entry_in_id_order_with_contiguous_sequence_numbers(chart):
    ids = _post(chart, 5)
    result = ledger_seal()
    seals = list(Seal.objects.order_by("seq"))
    assert result.sealed == 5
    assert [s.entry_id for s in seals] == ids
    _assert_chain_links(seals)
    assert (result.head_seq, result.head_hash) == (5, bytes(seals[-1].hash)) == chain_head()


def test_sealing_in_small_batches_gives_the_same_chain(chart):
    ids = _post(chart, 7)
    result = ledger_seal(batch_size=2)
    seals = list(Seal.objects.order_by("seq"))
    assert result.sealed == 7
    assert [s.entry_id for s in seals] == ids
    _assert_chain_links(seals)


def test_the_chain_head_advances_and_links_to_the_previous_head(chart):
    _post(chart, 3)
    first = ledger_seal()
    again = ledger_seal()
    assert again.sealed == 0 and (again.head_seq, again.head_hash) == (first.head_seq, first.head_hash)
    later = _post(chart, 2)
    second = ledger_seal()
    assert (second.sealed, second.head_seq) == (2, 5)
    assert second.head_hash != first.head_hash
    assert bytes(Seal.objects.get(seq=4).prev_hash) == first.head_hash
    assert list(Seal.objects.filter(seq__gt=3).values_list("entry_id", flat=True)) == later
    _assert_chain_links(list(Seal.objects.order_by("seq")))
    assert ledger_verify().ok


def test_a_sealer_that_may_not_wait_returns_at_once_while_another_holds_the_lock(chart):
    _post(chart, 2)
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [SEAL_LOCK_KEY])
        result = ledger_seal(wait=False)
        assert result.sealed == 0 and not Seal.objects.exists()
        other.execute("SELECT pg_advisory_unlock(%s)", [SEAL_LOCK_KEY])
    finally:
        other.close()
    assert ledger_seal(wait=False).sealed == 2


@pytest.mark.django_db(transaction=True)
def test_an_entry_of_a_transaction_still_open_is_sealed_only_after_it_commits(chart):
    """An older transaction that commits late is not skipped by the sealer's horizon."""
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    posted, release, failures = threading.Event(), threading.Event(), []
    late: list[int] = []

    def slow_poster() -> None:
        try:
            with transaction.atomic():
                late.append(entry_post(chart.transfer(clearing, income, 1)).entry_id)
                posted.set()
                release.wait(timeout=30)
        except Exception as error:
            failures.append(error)
            posted.set()
        finally:
            connection.close()

    thread = threading.Thread(target=slow_poster)
    thread.start()
    try:
        assert posted.wait(timeout=30)
        # Other accounts: the open transaction holds its balance rows locked.
        fees, payable = chart.account("processing_fees"), chart.account("grants_payable")
        early = [entry_post(chart.transfer(fees, payable, n)).entry_id for n in (1, 2)]
        result = ledger_seal()
        assert result.sealed == 2
        assert sorted(Seal.objects.values_list("entry_id", flat=True)) == early
    finally:
        release.set()
        thread.join(timeout=30)
    assert not failures
    assert Entry.objects.filter(pk=late[0]).exists()
    assert ledger_seal().sealed == 1
    assert Seal.objects.get(entry_id=late[0]).seq == 3
    _assert_chain_links(list(Seal.objects.order_by("seq")))
    assert ledger_verify().ok
