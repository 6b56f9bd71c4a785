"""Payouts at the same moment, on real parallel connections: the fund's bank money is never spent twice."""

import threading
import traceback
import uuid
from collections.abc import Callable

import pytest
from django.db import connection

from ledger.models import Entry, EntryKind
from ledger.services import entry_post, ledger_seal
from ledger.verification import ledger_verify
from payouts import exceptions, services
from payouts.models import Disbursement
from tests.payouts.conftest import bank

ROUNDS = 3


def _race(calls: list[Callable[[], object]]) -> list[str]:
    """Run the calls at once, each in its own thread and connection; the outcome of each, in no order."""
    outcomes: list[str] = []
    errors: list[str] = []
    start = threading.Barrier(len(calls))

    def run(call):
        try:
            start.wait(timeout=30)
            call()
            outcomes.append("sent")
        except exceptions.PayoutsError as refusal:
            outcomes.append(refusal.code)
        except Exception:
            errors.append(traceback.format_exc())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[0]
    return sorted(outcomes)


def _send(disbursement, treasurer) -> Callable[[], object]:
    return lambda: services.disbursement_send(
        reference=disbursement.reference,
        sent_by=treasurer,
        rail_reference="BANK-TX",
        idempotency_key=uuid.uuid4(),
    )


def _proposed(approved, treasurer, amount: int) -> Disbursement:
    disbursement, _new = services.disbursement_propose(
        grant_reference=approved(amount=amount).reference,
        rail="bank_transfer",
        proposed_by=treasurer,
        idempotency_key=uuid.uuid4(),
    )
    return disbursement


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_payouts_that_together_overdraw_the_fund_never_both_go_out(approved, treasurers, relief, chart):
    for _round in range(ROUNDS):
        pair = [_proposed(approved, treasurers[0], 40_000) for _ in range(2)]
        # Leave the fund's bank room for one of the two.
        spend = bank(relief) - 60_000
        entry_post(chart.transfer(chart.account("grants_expense"), chart.account("bank"), spend, fund=relief))

        outcomes = _race([_send(pair[0], treasurers[0]), _send(pair[1], treasurers[1])])

        assert outcomes == ["fund_overdrawn", "sent"]
        assert bank(relief) == 20_000
        entry_post(
            chart.transfer(chart.account("bank"), chart.account("donations_income"), 280_000, fund=relief)
        )
    assert Entry.objects.filter(kind=EntryKind.PAYOUT).count() == ROUNDS
    ledger_seal()
    assert ledger_verify().ok


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_one_disbursement_sent_twice_at_once_goes_out_once(approved, treasurers, relief):
    disbursement = _proposed(approved, treasurers[0], 40_000)
    before = bank(relief)

    outcomes = _race([_send(disbursement, treasurers[0]), _send(disbursement, treasurers[1])])

    assert outcomes == ["invalid_transition", "sent"]
    assert bank(relief) == before - 40_000
    assert Entry.objects.filter(kind=EntryKind.PAYOUT).count() == 1
