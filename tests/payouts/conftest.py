"""Payouts fixtures: approved grant requests in the relief fund, treasurers, clients, ledger readings."""

import uuid
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from grants import services as grant_services
from grants.models import GrantRequest
from ledger.api import AccountRole, account_balance, account_for
from tests.factories import TOTPDeviceFactory, token_for
from users.roles import SECOND_FACTOR_ROLES
from users.selectors import user_has_role

PAYOUTS = "/api/v1/payouts/"
# PAYOUTS_SECOND_APPROVAL_ABOVE in EUR for these tests: EUR 500.00.
THRESHOLD = 50_000


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.PAYOUTS_SECOND_APPROVAL_ABOVE = {"EUR": THRESHOLD}


def client_as(user) -> APIClient:
    """A client with a token of this user (staff tokens passed the second factor)."""
    device = TOTPDeviceFactory(user=user) if user_has_role(user, *SECOND_FACTOR_ROLES) else None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user, device).key}")
    return client


def post(client: APIClient, path: str, body: dict | None = None, key: uuid.UUID | None = None):
    """POST JSON, with an Idempotency-Key (a fresh one unless given)."""
    return client.post(path, body or {}, format="json", HTTP_IDEMPOTENCY_KEY=str(key or uuid.uuid4()))


@pytest.fixture
def approved(in_review) -> Callable[..., GrantRequest]:
    """approved(amount) -> a request in the relief fund, approved (committed in the books) for `amount`."""

    def make(amount: int = 40_000, **terms) -> GrantRequest:
        request, reviewer, _admin = in_review(amount=amount, **terms)
        return grant_services.grant_request_approve(
            reference=request.reference, reviewer=reviewer, amount=amount
        )

    return make


@pytest.fixture
def treasurers(person) -> tuple:
    """Two distinct treasurers."""
    return person("treasurer"), person("treasurer")


def bank(fund, currency: str = "EUR") -> int:
    return account_balance(account_id=account_for(AccountRole.BANK, currency).pk, fund_id=fund.pk)


def payable(fund, currency: str = "EUR") -> int:
    """Grants payable in one fund, as a positive amount owed."""
    return -account_balance(account_id=account_for(AccountRole.GRANTS_PAYABLE, currency).pk, fund_id=fund.pk)
