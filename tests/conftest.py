"""Shared fixtures: the default chart of accounts, funds, and test-database plumbing."""

import datetime
import uuid

import pytest

from ledger.models import Account, Fund
from ledger.services import EntrySpec, PostingSpec, chart_of_accounts_create, fund_create

# The grants fixtures serve the grants tests and the API's alike.
pytest_plugins = ["tests.grants.fixtures"]

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A view that answers in Arabic leaves Arabic active in the thread; the next test starts in English."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """Make and migrate the test database as the owner role, then run the tests as the runtime role.

    Both connections log in as the server's superuser and take their role with
    SET ROLE at connection start (config/database.py): what a test runs, the
    role's privileges decide, as in production.
    """
    from django.db import connections

    with django_db_blocker.unblock():
        owner, default = connections["owner"], connections["default"]
        old_name = owner.settings_dict["NAME"]
        test_name = owner.creation.create_test_db(verbosity=0, autoclobber=True)
        for alias in connections:
            if alias != "owner":
                connections[alias].close()
                connections[alias].settings_dict["NAME"] = test_name
    yield
    with django_db_blocker.unblock():
        default.close()
        owner.creation.destroy_test_db(old_name, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _flush_despite_append_only(django_db_setup, django_db_blocker):
    """Let transactional tests empty the database between tests.

    Ledger tables refuse TRUNCATE, to the runtime role by privilege and to
    everyone by their triggers; a test database is emptied as a superuser would
    do it, with triggers switched off for the flush only.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with self.connection.cursor() as cursor:
            cursor.execute("SET ROLE NONE")
            cursor.execute("SET session_replication_role = replica")
        try:
            original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
                cursor.execute("RESET ROLE")

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


class Chart:
    """The default chart in EUR, USD, GBP, JPY and KWD, plus a restricted fund."""

    def __init__(self) -> None:
        self._accounts = {
            (account.role, account.currency): account
            for account in chart_of_accounts_create(currencies=["EUR", "USD", "GBP", "JPY", "KWD"])
        }
        self.general = Fund.objects.get(code="general")
        self.relief = fund_create(code="relief", name="Emergency relief", restricted=True)

    def account(self, role: str, currency: str = "EUR") -> Account:
        return self._accounts[(role, currency)]

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


@pytest.fixture(scope="session")
def stripe_server():
    """One fake Stripe HTTP server on 127.0.0.1 for the whole run."""
    from tests.fakes.stripe_server import FakeStripe, serve

    fake = FakeStripe()
    server = serve(fake)
    yield fake
    server.shutdown()


@pytest.fixture
def fake_stripe(stripe_server, settings):
    """The fake Stripe, emptied, with the settings pointing the stripe library at it."""
    stripe_server.reset()
    settings.STRIPE_API_BASE = stripe_server.base_url
    return stripe_server


@pytest.fixture
def campaign(chart):
    """An open campaign with its restricted fund, over the default chart."""
    from django.utils import timezone

    from pledges.services import campaign_create

    return campaign_create(
        slug="rent-relief",
        title={"en": "Rent relief", "ar": "مساعدة الإيجار"},
        description={"en": "Rent for people thrown out of their homes."},
        goal_amount=1_000_000,
        goal_currency="USD",
        starts_on=timezone.localdate() - datetime.timedelta(days=10),
    )


@pytest.fixture
def pledge_card(fake_stripe, campaign):
    """pledge_card(amount, currency, frequency, client) -> the API's answer to a card pledge."""
    from rest_framework.test import APIClient

    def make(amount: str = "1000.00", currency: str = "MXN", frequency: str = "once", client=None) -> dict:
        body = {
            "campaign": campaign.slug,
            "amount": amount,
            "currency": currency,
            "frequency": frequency,
            "method": "card",
        }
        response = (client or APIClient()).post("/api/v1/pledges/", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return make
