"""Moving money between funds is its own entry, and each fund balances on its own."""

import uuid

import pytest

from ledger import exceptions as exc
from ledger.models import Entry, EntryKind, Posting
from ledger.selectors import account_balance, trial_balance
from ledger.services import entry_post, fund_transfer
from tests.conftest import TODAY


def _fund_total(fund_id: int) -> int:
    return sum(row.balance for row in trial_balance(fund_id=fund_id))


def test_a_fund_transfer_moves_money_and_each_fund_balances_on_its_own(chart):
    bank, income = chart.account("bank"), chart.account("donations_income")
    transfers = chart.account("fund_transfers")
    entry_post(chart.transfer(bank, income, 1000, fund=chart.relief))

    posted = fund_transfer(
        idempotency_key=uuid.uuid4(),
        from_fund_id=chart.relief.pk,
        to_fund_id=chart.general.pk,
        account_id=bank.pk,
        amount=400,
        date=TODAY,
        memo="release from restriction",
    )

    assert account_balance(account_id=bank.pk, fund_id=chart.relief.pk) == 600
    assert account_balance(account_id=bank.pk, fund_id=chart.general.pk) == 400
    assert account_balance(account_id=bank.pk) == 1000
    assert account_balance(account_id=transfers.pk, fund_id=chart.relief.pk) == 400
    assert account_balance(account_id=transfers.pk, fund_id=chart.general.pk) == -400
    assert account_balance(account_id=transfers.pk) == 0
    assert _fund_total(chart.relief.pk) == 0
    assert _fund_total(chart.general.pk) == 0
    entry = Entry.objects.get(pk=posted.entry_id)
    assert (entry.kind, entry.memo, entry.leg_count) == (
        EntryKind.FUND_TRANSFER,
        "release from restriction",
        4,
    )
    for fund in (chart.general, chart.relief):
        legs = Posting.objects.filter(entry=entry, fund=fund).values_list("amount", flat=True)
        assert len(legs) == 2 and sum(legs) == 0


def test_a_fund_transfer_cannot_move_more_than_the_fund_holds_in_a_floored_account(chart):
    bank, income = chart.account("bank"), chart.account("donations_income")
    entry_post(chart.transfer(bank, income, 1000, fund=chart.relief))
    entry_post(chart.transfer(bank, income, 5000, fund=chart.general))
    with pytest.raises(exc.InsufficientFunds):
        fund_transfer(
            idempotency_key=uuid.uuid4(),
            from_fund_id=chart.relief.pk,
            to_fund_id=chart.general.pk,
            account_id=bank.pk,
            amount=1001,
            date=TODAY,
        )
    assert Entry.objects.count() == 2
    assert account_balance(account_id=bank.pk, fund_id=chart.relief.pk) == 1000


def test_a_fund_transfer_replays_under_the_same_key(chart):
    clearing = chart.account("stripe_clearing")
    key = uuid.uuid4()
    arguments = {
        "idempotency_key": key,
        "from_fund_id": chart.general.pk,
        "to_fund_id": chart.relief.pk,
        "account_id": clearing.pk,
        "amount": 300,
        "date": TODAY,
    }
    first = fund_transfer(**arguments)
    again = fund_transfer(**arguments)
    assert again.replayed and again.entry_id == first.entry_id
    with pytest.raises(exc.IdempotencyConflict):
        fund_transfer(**{**arguments, "amount": 301})
    assert account_balance(account_id=clearing.pk, fund_id=chart.relief.pk) == 300


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"same_fund": True}, exc.ValidationFailed),
        ({"amount": 0}, exc.InvalidAmount),
        ({"amount": -5}, exc.InvalidAmount),
        ({"amount": 1.5}, exc.InvalidAmount),
        ({"account_id": 987654321}, exc.UnknownReference),
    ],
)
def test_an_invalid_fund_transfer_writes_nothing(chart, change, error):
    arguments = {
        "idempotency_key": uuid.uuid4(),
        "from_fund_id": chart.general.pk,
        "to_fund_id": chart.relief.pk,
        "account_id": chart.account("stripe_clearing").pk,
        "amount": 300,
        "date": TODAY,
    }
    change = dict(change)
    if change.pop("same_fund", False):
        change["to_fund_id"] = chart.general.pk
    with pytest.raises(error):
        fund_transfer(**{**arguments, **change})
    assert not Entry.objects.exists()


def test_a_fund_transfer_to_an_unknown_fund_is_an_unknown_reference(chart):
    with pytest.raises(exc.UnknownReference):
        fund_transfer(
            idempotency_key=uuid.uuid4(),
            from_fund_id=chart.general.pk,
            to_fund_id=987654321,
            account_id=chart.account("stripe_clearing").pk,
            amount=300,
            date=TODAY,
        )
    assert not Entry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_creates_of_one_fund_code_make_one_fund_and_one_clear_refusal():
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection as thread_connection

    from ledger import exceptions as exc
    from ledger.models import Fund
    from ledger.services import fund_create

    barrier, outcomes = threading.Barrier(2), []

    def create() -> None:
        try:
            barrier.wait()
            fund_create(code="legal-aid", name="Legal aid")
            outcomes.append("created")
        except (exc.ValidationFailed, ValidationError):  # the race, or the row already seen
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "refused"]
    assert Fund.objects.filter(code="legal-aid").count() == 1
