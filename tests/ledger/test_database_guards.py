"""PostgreSQL itself refuses what would break the books, whatever client writes the SQL."""

import datetime

import pgtrigger
import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F

from config.database import OWNER_ROLE
from ledger import exceptions as exc
from ledger.models import Balance, Entry, Posting
from ledger.selectors import account_balance
from ledger.services import entry_post, period_close
from ledger.services.errors import SQLSTATE_CHAIN, SQLSTATE_PERIOD_CLOSED, SQLSTATE_UNBALANCED
from tests.conftest import TODAY
from tests.ledger.rawsql import (
    PERMISSIVE_IGNORE_CHECK,
    as_owner,
    check_deferred_constraints,
    execute,
    ignore_check_answers,
    insert_entry,
    insert_posting,
    insert_postings,
    rejected,
    trigger_pgid,
)

APPEND_ONLY = "P0001"  # pgtrigger's Protect raises a plain exception
TRUNCATE_REFUSED = "TL006"
CHECK_VIOLATION = "23514"
FK_VIOLATION = "23503"
UNIQUE_VIOLATION = "23505"


@pytest.fixture
def accounts(chart):
    return chart.account("stripe_clearing"), chart.account("donations_income")


@pytest.fixture
def posted(chart, accounts):
    """A committed-looking, balanced entry of 2500 posted through the service."""
    clearing, income = accounts
    return entry_post(chart.transfer(clearing, income, 2500)).entry_id


# --- balance ----------------------------------------------------------------


def test_a_balanced_raw_sql_entry_can_be_written_one_leg_at_a_time(chart, accounts):
    clearing, income = accounts
    entry_id = insert_entry()
    insert_posting(entry_id, 1, clearing, chart.general, 700)
    insert_posting(entry_id, 2, income, chart.general, -700)
    check_deferred_constraints()
    assert Entry.objects.filter(pk=entry_id).exists()
    assert account_balance(account_id=clearing.pk) == 700


def test_raw_sql_postings_that_do_not_sum_to_zero_are_rejected_with_the_last_leg(chart, accounts):
    clearing, income = accounts
    with rejected(SQLSTATE_UNBALANCED, match="does not balance"):
        entry_id = insert_entry()
        insert_posting(entry_id, 1, clearing, chart.general, 700)  # accepted: the entry is not complete
        insert_posting(entry_id, 2, income, chart.general, -699)


def test_an_entry_balanced_overall_but_not_per_currency_is_rejected(chart):
    clearing_eur = chart.account("stripe_clearing", "EUR")
    clearing_usd = chart.account("stripe_clearing", "USD")
    with rejected(SQLSTATE_UNBALANCED, match="per currency and fund"):
        entry_id = insert_entry()
        insert_posting(entry_id, 1, clearing_eur, chart.general, 500)
        insert_posting(entry_id, 2, clearing_usd, chart.general, -500)


def test_an_entry_balanced_overall_but_not_per_fund_is_rejected(chart, accounts):
    clearing, income = accounts
    with rejected(SQLSTATE_UNBALANCED, match="per currency and fund"):
        entry_id = insert_entry()
        insert_posting(entry_id, 1, clearing, chart.general, 500)
        insert_posting(entry_id, 2, income, chart.relief, -500)


def test_all_legs_in_one_statement_are_checked_together(chart, accounts):
    clearing, income = accounts
    with rejected(SQLSTATE_UNBALANCED, match="does not balance"):
        entry_id = insert_entry()
        insert_postings(entry_id, (1, clearing, chart.general, 10), (2, income, chart.general, -9))


def test_legs_are_added_in_order(chart, accounts):
    clearing, _income = accounts
    with rejected(SQLSTATE_UNBALANCED, match="legs are added in order"):
        entry_id = insert_entry()
        insert_posting(entry_id, 2, clearing, chart.general, 500)


def test_an_entry_missing_one_of_its_declared_legs_is_rejected(chart, accounts):
    clearing, income = accounts
    with rejected(FK_VIOLATION, constraint="entry_legs_complete_fk"):
        entry_id = insert_entry(leg_count=3)
        insert_posting(entry_id, 1, clearing, chart.general, 500, leg_count=3)
        insert_posting(entry_id, 2, income, chart.general, -500, leg_count=3)
        check_deferred_constraints()


def test_an_entry_without_postings_is_rejected(chart):
    with rejected(FK_VIOLATION, constraint="entry_legs_complete_fk"):
        insert_entry()
        check_deferred_constraints()


@pytest.mark.django_db(transaction=True)
def test_an_incomplete_entry_is_rejected_at_commit_and_leaves_nothing_behind(chart, accounts):
    clearing, _income = accounts
    with pytest.raises(DatabaseError) as info, transaction.atomic():
        entry_id = insert_entry()
        insert_posting(entry_id, 1, clearing, chart.general, 700)
        # Nothing has complained yet: the entry may still get its second leg.
        assert Posting.objects.filter(entry_id=entry_id).count() == 1
    assert info.value.__cause__.sqlstate == FK_VIOLATION
    assert info.value.__cause__.diag.constraint_name == "entry_legs_complete_fk"
    assert not Entry.objects.exists()
    assert not Posting.objects.exists()
    assert account_balance(account_id=clearing.pk) == 0


# --- append-only ------------------------------------------------------------
# The runtime role may not UPDATE, DELETE or TRUNCATE ledger rows at all (see
# test_runtime_role); these show the triggers refuse even the tables' owner.


@pytest.fixture
def as_table_owner(db):
    with as_owner():
        yield


def test_updating_a_posting_is_rejected(as_table_owner, posted):
    with rejected(APPEND_ONLY, match="rows from ledger_posting table"):
        execute("UPDATE ledger_posting SET amount = amount * 2 WHERE entry_id = %s", [posted])
    with rejected(APPEND_ONLY):
        Posting.objects.filter(entry_id=posted).update(amount=1)


def test_deleting_a_posting_is_rejected(as_table_owner, posted):
    with rejected(APPEND_ONLY, match="rows from ledger_posting table"):
        execute("DELETE FROM ledger_posting WHERE entry_id = %s AND leg_no = 1", [posted])
    assert Posting.objects.filter(entry_id=posted).count() == 2


def test_a_balance_row_changes_only_through_postings(as_table_owner, posted, accounts):
    clearing, _income = accounts
    with rejected("TL007", match="balances change only by posting entries"):
        execute("UPDATE ledger_balance SET balance = balance + 1 WHERE account_id = %s", [clearing.pk])
    with rejected("TL007"):
        Balance.objects.filter(account_id=clearing.pk).update(balance=0)
    assert account_balance(account_id=clearing.pk) == 2500


def test_updating_an_entry_is_rejected(as_table_owner, posted):
    with rejected(APPEND_ONLY, match="rows from ledger_entry table"):
        execute("UPDATE ledger_entry SET memo = 'edited' WHERE id = %s", [posted])
    with rejected(APPEND_ONLY):
        Entry.objects.filter(pk=posted).update(date=datetime.date(2020, 1, 1))


def test_deleting_an_entry_is_rejected(as_table_owner, posted):
    with rejected(APPEND_ONLY, match="rows from ledger_entry table"):
        execute("DELETE FROM ledger_entry WHERE id = %s", [posted])
    assert Entry.objects.filter(pk=posted).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE ledger_posting CASCADE",
        "TRUNCATE ledger_entry CASCADE",
        "TRUNCATE ledger_seal",
        "TRUNCATE ledger_closedperiod",
    ],
)
def test_truncating_a_ledger_table_is_rejected(as_table_owner, posted, statement):
    check_deferred_constraints()  # as after COMMIT: no pending checks hold the tables
    with rejected(TRUNCATE_REFUSED, match="append-only"):
        execute(statement)
    assert Posting.objects.filter(entry_id=posted).count() == 2


def test_the_pgtrigger_ignore_switch_does_not_bypass_append_only(as_table_owner, posted):
    # pgtrigger.ignore() sets this switch by prefixing each query, which
    # server-side binding refuses outright; any role can still set it by hand.
    pgid = trigger_pgid("ledger.Posting:posting_append_only")
    with rejected(APPEND_ONLY):
        # The same switch set by hand, as any database role may.
        execute("SELECT set_config('pgtrigger.ignore', %s, true)", [f"{{ledger_posting:{pgid},{pgid}}}"])
        execute("DELETE FROM ledger_posting WHERE entry_id = %s", [posted])
    assert sorted(Posting.objects.filter(entry_id=posted).values_list("amount", flat=True)) == [-2500, 2500]


@pytest.mark.django_db(transaction=True)
def test_without_the_hardening_the_same_switch_would_bypass_append_only(chart, accounts):
    """Control: the switch above is spelled right, and the hardening is what holds."""
    clearing, income = accounts
    entry_id = entry_post(chart.transfer(clearing, income, 2500)).entry_id
    pgid = trigger_pgid("ledger.Posting:posting_append_only")
    # A fresh session, so no plan cached with the hardened check in it.
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute(f"SET ROLE {OWNER_ROLE}")
        other.execute(PERMISSIVE_IGNORE_CHECK)
        other.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [f"{{{pgid}}}"])
        doubled = other.execute(
            "UPDATE ledger_posting SET amount = 2 * amount WHERE entry_id = %s", [entry_id]
        )
        assert doubled.rowcount == 2
        other.rollback()
    assert sorted(Posting.objects.filter(entry_id=entry_id).values_list("amount", flat=True)) == [-2500, 2500]
    with pytest.raises(DatabaseError), pgtrigger.ignore("ledger.Posting:posting_append_only"):
        Posting.objects.filter(entry_id=entry_id).update(amount=F("amount") * 2)


def test_the_trigger_ignore_check_always_answers_no_after_migrate(db):
    assert ignore_check_answers("anything") is False


# --- postings ---------------------------------------------------------------


def test_a_posting_in_another_currency_than_its_account_is_rejected(chart, accounts):
    clearing, _income = accounts
    with rejected(FK_VIOLATION, constraint="posting_account_currency_fk", match="kept in EUR, not USD"):
        entry_id = insert_entry()
        insert_posting(entry_id, 1, clearing, chart.general, 700, currency="USD")


def test_a_posting_to_an_unknown_account_or_entry_is_rejected(chart, accounts):
    clearing, _income = accounts
    with rejected(FK_VIOLATION, constraint="posting_account_currency_fk", match="no account"):
        entry_id = insert_entry()
        execute(
            "INSERT INTO ledger_posting (entry_id, leg_no, leg_count, account_id, fund_id, currency, amount) "
            "VALUES (%s, 1, 2, %s, %s, 'EUR', 10)",
            [entry_id, 10**9, chart.general.pk],
        )
    with rejected(FK_VIOLATION, constraint="posting_entry_leg_count_fk", match="no entry"):
        insert_posting(10**9, 1, clearing, chart.general, 10)


def test_legs_that_disagree_with_their_entry_on_the_leg_count_are_rejected(chart, accounts, posted):
    # Complete and balanced as far as the legs go (numbered 1 and 2, both saying
    # three legs), but the entry has two; the accounts have balance rows already
    # (posted), so nothing else sends the statement to the detailed checks.
    clearing, income = accounts
    with rejected(FK_VIOLATION, constraint="posting_entry_leg_count_fk", match="with 3 legs"):
        entry_id = insert_entry(leg_count=2)
        insert_postings(
            entry_id, (1, clearing, chart.general, 10), (2, income, chart.general, -10), leg_count=3
        )


def test_a_posting_in_an_unknown_fund_is_rejected(chart, accounts):
    clearing, income = accounts
    with rejected(FK_VIOLATION, match="ledger_fund"):
        entry_id = insert_entry()
        execute(
            "INSERT INTO ledger_posting (entry_id, leg_no, leg_count, account_id, fund_id, currency, amount) "
            "VALUES (%s, 1, 2, %s, %s, 'EUR', 10), (%s, 2, 2, %s, %s, 'EUR', -10)",
            [entry_id, clearing.pk, 10**9, entry_id, income.pk, 10**9],
        )
        check_deferred_constraints()  # the balance row's key to the fund is checked at COMMIT


def test_a_zero_posting_is_rejected(chart, accounts):
    clearing, _income = accounts
    with rejected(CHECK_VIOLATION, constraint="posting_rules"):
        entry_id = insert_entry()
        insert_posting(entry_id, 1, clearing, chart.general, 0)


def test_a_posting_cannot_be_added_to_a_posted_entry(chart, accounts, posted):
    clearing, income = accounts
    # A third leg under the entry's leg count is out of range...
    with rejected(CHECK_VIOLATION, constraint="posting_rules"):
        insert_posting(posted, 3, clearing, chart.general, 100)
    # ...claiming a larger leg count does not match the entry's...
    with rejected(FK_VIOLATION, constraint="posting_entry_leg_count_fk"):
        insert_posting(posted, 3, clearing, chart.general, 100, leg_count=3)
    # ...and every leg number the entry has is taken.
    with rejected(UNIQUE_VIOLATION, constraint="posting_entry_leg"):
        insert_posting(posted, 1, income, chart.general, -100)
    assert Posting.objects.filter(entry_id=posted).count() == 2


def test_a_posting_numbered_below_one_is_rejected(chart, accounts):
    clearing, income = accounts
    with rejected(CHECK_VIOLATION, constraint="posting_rules"):
        entry_id = insert_entry()
        insert_postings(entry_id, (0, clearing, chart.general, 10), (2, income, chart.general, -10))


def _balanced_legs(entry_id, clearing, income, fund):
    """Both legs in one statement, so that nothing but the entry row can be wrong."""
    insert_postings(entry_id, (1, clearing, fund, 10), (2, income, fund, -10))


def test_an_entry_of_an_unknown_kind_is_rejected(chart, accounts):
    with rejected(CHECK_VIOLATION, constraint="entry_kind_valid"):
        _balanced_legs(insert_entry(kind="gift"), *accounts, chart.general)


@pytest.mark.parametrize(
    "row",
    [
        pytest.param({"kind": "manual", "reverses": True}, id="only a reversal reverses"),
        pytest.param({"fx_rate": "1.1"}, id="a rate without its source"),
        pytest.param({"fx_rate_source": "treasurer"}, id="a source without its rate"),
        pytest.param({"fx_rate": "0", "fx_rate_source": "treasurer"}, id="a rate of zero"),
        pytest.param({"fx_rate": "-1.1", "fx_rate_source": "treasurer"}, id="a negative rate"),
    ],
)
def test_an_entry_row_breaking_the_entry_rules_is_rejected(chart, accounts, posted, row):
    if row.pop("reverses", False):
        row["reverses_id"] = posted
    with rejected(CHECK_VIOLATION, constraint="entry_rules"):
        _balanced_legs(insert_entry(**row), *accounts, chart.general)


def test_an_entry_of_one_leg_is_rejected(chart, accounts):
    clearing, _income = accounts
    with rejected(CHECK_VIOLATION, constraint="entry_rules"):
        entry_id = insert_entry(leg_count=1)
        insert_posting(entry_id, 1, clearing, chart.general, 10, leg_count=1)


def test_an_entry_with_a_rate_and_its_source_is_accepted(chart, accounts):
    entry_id = insert_entry(fx_rate="1.085", fx_rate_source="treasurer")
    _balanced_legs(entry_id, *accounts, chart.general)
    check_deferred_constraints()
    assert Entry.objects.get(pk=entry_id).fx_rate_source == "treasurer"


@pytest.mark.django_db(transaction=True)
def test_a_posting_cannot_be_added_to_an_entry_committed_earlier(chart, accounts):
    clearing, income = accounts
    entry_id = entry_post(chart.transfer(clearing, income, 2500)).entry_id
    for leg_no, leg_count in [(1, 2), (2, 2), (3, 2), (3, 3)]:
        with pytest.raises(DatabaseError):
            insert_posting(entry_id, leg_no, clearing, chart.general, 100, leg_count=leg_count)
    assert Posting.objects.filter(entry_id=entry_id).count() == 2
    assert account_balance(account_id=clearing.pk) == 2500


# --- periods, seals, floors -------------------------------------------------


def test_an_entry_dated_inside_a_closed_period_is_rejected(chart, accounts):
    clearing, income = accounts
    period_close(start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 3, 31))

    def balanced_entry(date: datetime.date) -> None:
        entry_id = insert_entry(date=date)
        insert_posting(entry_id, 1, clearing, chart.general, 10)
        insert_posting(entry_id, 2, income, chart.general, -10)
        check_deferred_constraints()  # what COMMIT would run

    with rejected(SQLSTATE_PERIOD_CLOSED, match="closed period"):
        balanced_entry(datetime.date(2026, 3, 31))
    with rejected(SQLSTATE_PERIOD_CLOSED):
        balanced_entry(datetime.date(2026, 1, 1))
    balanced_entry(datetime.date(2026, 4, 1))  # the day after is open


def test_a_closed_period_cannot_be_deleted_or_edited(as_table_owner, chart):
    period = period_close(start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 3, 31))
    with rejected(APPEND_ONLY):
        execute("DELETE FROM ledger_closedperiod WHERE id = %s", [period.pk])
    with rejected(APPEND_ONLY):
        execute("UPDATE ledger_closedperiod SET end_date = start_date WHERE id = %s", [period.pk])


def _insert_seal(entry_id: int, seq: int, prev_hash: bytes, digest: bytes) -> None:
    execute(
        "INSERT INTO ledger_seal (entry_id, seq, prev_hash, hash) VALUES (%s, %s, %s, %s)",
        [entry_id, seq, prev_hash, digest],
    )


def test_a_seal_that_does_not_link_to_the_previous_hash_is_rejected(as_table_owner, chart, accounts):
    clearing, income = accounts
    first, second, third = (entry_post(chart.transfer(clearing, income, n)).entry_id for n in (1, 2, 3))
    with rejected(SQLSTATE_CHAIN, match="first seal must follow the zero hash"):
        _insert_seal(first, 1, b"\x01" * 32, b"\xaa" * 32)
    _insert_seal(first, 1, bytes(32), b"\xaa" * 32)
    with rejected(SQLSTATE_CHAIN, match="seal 2 does not link to seal 1"):
        _insert_seal(second, 2, b"\xbb" * 32, b"\xcc" * 32)
    with rejected(SQLSTATE_CHAIN, match="seal 3 does not link to seal 2"):
        _insert_seal(second, 3, b"\xaa" * 32, b"\xcc" * 32)
    _insert_seal(second, 2, b"\xaa" * 32, b"\xcc" * 32)
    with rejected(APPEND_ONLY):
        execute("UPDATE ledger_seal SET hash = %s WHERE seq = 2", [b"\xdd" * 32])
    _insert_seal(third, 3, b"\xcc" * 32, b"\xdd" * 32)


def test_the_bank_cannot_go_below_its_floor_through_the_service(chart):
    bank, income = chart.account("bank"), chart.account("donations_income")
    entry_post(chart.transfer(bank, income, 1000))
    with pytest.raises(exc.InsufficientFunds):
        entry_post(chart.transfer(income, bank, 1001))
    # The floor holds per fund: general's money does not cover the relief fund.
    with pytest.raises(exc.InsufficientFunds):
        entry_post(chart.transfer(income, bank, 1, fund=chart.relief))
    entry_post(chart.transfer(income, bank, 1000))
    assert account_balance(account_id=bank.pk) == 0
    assert Entry.objects.count() == 2


def test_the_bank_cannot_go_below_its_floor_through_raw_sql(chart):
    bank, income = chart.account("bank"), chart.account("donations_income")
    with rejected(CHECK_VIOLATION, constraint="balance_above_floor"):
        entry_id = insert_entry()
        insert_posting(entry_id, 1, income, chart.general, 1)
        insert_posting(entry_id, 2, bank, chart.general, -1)
    assert account_balance(account_id=bank.pk) == 0


@pytest.mark.parametrize(
    "balance, floor",
    [pytest.param(500, None, id="not at zero"), pytest.param(0, -100, id="not the account's floor")],
)
def test_a_balance_row_starts_at_zero_with_its_account_s_floor(as_table_owner, chart, balance, floor):
    clearing = chart.account("stripe_clearing")
    with rejected("TL007", match="starts at zero"):
        execute(
            "INSERT INTO ledger_balance (account_id, fund_id, currency, balance, floor) "
            "VALUES (%s, %s, %s, %s, %s)",
            [clearing.pk, chart.general.pk, clearing.currency, balance, floor],
        )


def test_the_idempotency_key_is_unique_in_the_database(posted):
    key = Entry.objects.get(pk=posted).idempotency_key
    with rejected(UNIQUE_VIOLATION):
        execute(
            "INSERT INTO ledger_entry (idempotency_key, request_hash, date, kind, memo, source_type, "
            "source_id, fx_rate_source, leg_count) VALUES (%s, '\\x00', %s, 'manual', '', '', '', '', 2)",
            [key, TODAY],
        )


def test_every_trigger_function_in_the_schema_is_attached_to_a_trigger(db):
    """A function left behind by a removed trigger reads like a rule in force; none is left."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname FROM pg_proc p "
            "WHERE p.pronamespace = current_schema()::regnamespace AND p.prorettype = 'trigger'::regtype "
            "AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgfoid = p.oid) ORDER BY 1"
        )
        assert cursor.fetchall() == []
