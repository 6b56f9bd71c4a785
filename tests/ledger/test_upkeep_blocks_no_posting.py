"""Posting never waits on the ledger's upkeep: the sealer's and the balance checkpoint's transactions."""

import threading

import pytest
from django.db import connection, transaction

from ledger.models import Seal
from ledger.services import SEAL_LOCK_KEY, entry_post
from ledger.services.sealing import _seal_batch


def _post_with_lock_timeout(chart, results: list) -> None:
    """Post between accounts without a floor, refusing to wait more than a second on any lock."""
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '1s'")
            results.append(entry_post(chart.transfer(clearing, income, 125)).entry_id)
    except Exception as error:
        results.append(error)
    finally:
        connection.close()


def _post_meanwhile(chart) -> object:
    results: list = []
    thread = threading.Thread(target=_post_with_lock_timeout, args=(chart, results))
    thread.start()
    thread.join(timeout=30)
    assert results, "the posting did not finish"
    return results[0]


@pytest.mark.django_db(transaction=True)
def test_a_posting_completes_while_the_sealer_holds_its_batch_open(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    for amount in (1, 2, 3):
        entry_post(chart.transfer(clearing, income, amount))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
        sealed, _more = _seal_batch(cursor, 100)
        assert sealed == 3
        posted = _post_meanwhile(chart)
    assert isinstance(posted, int), posted
    assert Seal.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_posting_completes_while_the_balance_checkpoint_folds(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    for amount in (1, 2, 3):
        entry_post(chart.transfer(clearing, income, amount))
    with connection.cursor() as cursor:  # the first round proposes; it commits on its own
        cursor.execute("SELECT ledger_checkpoint_take()")
    with transaction.atomic(), connection.cursor() as cursor:
        # The second round folds those postings into the balance rows, and holds them locked.
        cursor.execute("SELECT ledger_checkpoint_take()")
        cursor.execute(
            "SELECT count(*) FROM ledger_balance WHERE account_id = %s AND balance <> 0", [clearing.pk]
        )
        assert cursor.fetchone()[0] == 1  # folded, its row locked by this transaction
        posted = _post_meanwhile(chart)
    assert isinstance(posted, int), posted
