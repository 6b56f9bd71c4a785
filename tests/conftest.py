"""Shared fixtures: the default chart of accounts, funds, and test-database plumbing."""

import datetime
import uuid

import pytest

from ledger.models import Account, Fund
from ledger.services import EntrySpec, PostingSpec, chart_of_accounts_create, fund_create

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture(scope="session", autouse=True)
def _flush_despite_append_only(django_db_setup, django_db_blocker):
    """Let transactional tests empty the database between tests.

    Ledger tables refuse TRUNCATE through their triggers; a test database is
    emptied as a superuser would do it, with triggers switched off for the
    flush only (session_replication_role = replica).
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with self.connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


class Chart:
    """The default chart in EUR, USD, GBP, JPY and KWD, plus a restricted fund."""

    def __init__(self) -> None:
        chart_of_accounts_create(currencies=["EUR", "USD", "GBP", "JPY", "KWD"])
        self.general = Fund.objects.get(code="general")
        self.relief = fund_create(code="relief", name="Emergency relief", restricted=True)

    def account(self, role: str, currency: str = "EUR") -> Account:
        return Account.objects.get(role=role, currency=currency)

    def transfer(
        self,
        debit: Account,
        credit: Account,
        amount: int,
        fund: Fund | None = None,
        key: uuid.UUID | None = None,
        date: datetime.date = TODAY,
    ) -> EntrySpec:
        """A two-leg entry spec moving `amount` from credit to debit."""
        fund = fund or self.general
        return EntrySpec(
            idempotency_key=key or uuid.uuid4(),
            postings=(
                PostingSpec(debit.pk, fund.pk, debit.currency, amount),
                PostingSpec(credit.pk, fund.pk, credit.currency, -amount),
            ),
            date=date,
        )


@pytest.fixture
def chart(db) -> Chart:
    return Chart()
