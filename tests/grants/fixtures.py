"""Grants fixtures (loaded for every test): a relief fund with grant rules and money, people in each role."""

import logging
import traceback
import uuid
from collections.abc import Callable

import pytest

from grants import services
from grants.models import GrantRequest
from ledger.services import entry_post
from tests.factories import UserFactory
from users.services import user_role_assign

# The relief fund holds EUR 3,000.00; one request gets at most EUR 1,000.00, legal aid EUR 1,500.00 in all.
FUND_MONEY = 300_000
MAX_PER_REQUEST = 100_000
LEGAL_CAP = 150_000


# Every marker a test placed in an identifying field; no log record of the whole run may carry one.
ISSUED_MARKERS: set[str] = set()


def marker(field: str) -> str:
    """A unique marker to place in one identifying field."""
    value = f"MARK{uuid.uuid4().hex[:12]}{field.upper()}"
    ISSUED_MARKERS.add(value)
    return value


class _MarkerWatch(logging.Handler):
    """Keeps every log record (message and traceback) that could carry a marker."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.suspects: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:
            text = str(record.msg)
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        if "MARK" in text:
            self.suspects.append(text)


@pytest.fixture(scope="session", autouse=True)
def _no_marker_in_any_log():
    """Watch the whole run's logs at INFO, as production logs, for any identifying marker."""
    watch, root = _MarkerWatch(), logging.getLogger()
    level = root.level
    root.addHandler(watch)
    root.setLevel(min(level, logging.INFO))
    yield
    root.removeHandler(watch)
    root.setLevel(level)
    leaked = [text for text in watch.suspects if any(mark in text for mark in ISSUED_MARKERS)]
    assert not leaked, f"{len(leaked)} log record(s) carry an identifying marker"


@pytest.fixture
def person(db) -> Callable:
    """person(role) -> a new user in that role."""
    counter = iter(range(1, 10_000))

    def make(role: str):
        user = UserFactory(username=f"{role}-person-{next(counter)}")
        user_role_assign(user=user, role=role)
        return user

    return make


@pytest.fixture
def relief(chart):
    """The relief fund, open for grants in EUR, holding FUND_MONEY in the bank."""
    services.grant_fund_rules_set(
        fund_id=chart.relief.pk, currency="EUR", max_per_request=MAX_PER_REQUEST, caps={"legal": LEGAL_CAP}
    )
    entry_post(
        chart.transfer(
            chart.account("bank"), chart.account("donations_income"), FUND_MONEY, fund=chart.relief
        )
    )
    return chart.relief


@pytest.fixture
def apply(relief, person) -> Callable[..., GrantRequest]:
    """apply(requester=None, **terms) -> a submitted request in the relief fund."""

    def make(requester=None, submit: bool = True, **terms) -> GrantRequest:
        values = {
            "fund_id": relief.pk,
            "category": "housing",
            "country": "KE",
            "currency": "EUR",
            "amount": 50_000,
        }
        values.update(terms)
        return services.grant_request_create(
            requester=requester or person("requester"), submit=submit, **values
        )

    return make


@pytest.fixture
def in_review(apply, person) -> Callable:
    """in_review(**terms) -> (request, reviewer, admin): submitted and assigned to a new reviewer."""

    def make(**terms):
        request = apply(**terms)
        reviewer, admin = person("reviewer"), person("admin")
        services.reviewer_assign(reference=request.reference, reviewer=reviewer, assigned_by=admin)
        request.refresh_from_db()
        return request, reviewer, admin

    return make
