"""API fixtures: users in each role with tokens, clients that send them, posting helpers.

Staff (treasurers, auditors, admins) get a confirmed authenticator and a token
issued under it, as after a sign-in with `otp`.
"""

import uuid
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from ledger.services import entry_post
from tests.factories import TOTPDeviceFactory, UserFactory, token_for
from users.roles import SECOND_FACTOR_ROLES, Role
from users.services import user_role_assign

ROLES = [role.value for role in Role]
LEDGER_READERS = ["auditor", "treasurer", "admin"]
LEDGER_OUTSIDERS = ["donor", "requester", "reviewer"]

ENTRIES = "/api/v1/ledger/entries/"


@pytest.fixture
def make_user(db) -> Callable:
    """make_user(role=None) -> (user, token); role None makes a user without any role.

    `token.key` is what goes in the Authorization header; a staff user's token
    passed the second factor.
    """
    counter = iter(range(1, 10_000))

    def make(role: str | None = None) -> tuple:
        user = UserFactory(username=f"{role or 'norole'}-{next(counter)}")
        device = None
        if role is not None:
            user_role_assign(user=user, role=role)
            if role in SECOND_FACTOR_ROLES:
                device = TOTPDeviceFactory(user=user)
        return user, token_for(user, device)

    return make


@pytest.fixture
def client_for(make_user) -> Callable[[str | None], APIClient]:
    """client_for(role) -> an APIClient authenticated by token as a new user in that role."""

    def make(role: str | None) -> APIClient:
        client = APIClient()
        if role is not None:
            _user, token = make_user(None if role == "norole" else role)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def treasurer(client_for) -> APIClient:
    return client_for("treasurer")


@pytest.fixture
def auditor(client_for) -> APIClient:
    return client_for("auditor")


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def posted(chart) -> Callable:
    """posted(debit, credit, minor, **kw) -> entry id, posted through the service."""

    def post(debit, credit, amount: int, **kwargs) -> int:
        return entry_post(chart.transfer(debit, credit, amount, **kwargs)).entry_id

    return post


def post_entry(client: APIClient, body: dict, key: uuid.UUID | str | None = None, url: str = ENTRIES):
    """POST with a fresh (or the given) Idempotency-Key header."""
    headers = {"HTTP_IDEMPOTENCY_KEY": str(key or uuid.uuid4())}
    return client.post(url, body, format="json", **headers)


def manual_body(chart, amount: str = "12.50", memo: str = "Correction", **overrides) -> dict:
    """Debit Stripe clearing, credit donations income, in the general fund (EUR)."""
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    body = {
        "date": "2026-11-20",
        "memo": memo,
        "postings": [
            {"account": clearing.pk, "fund": chart.general.pk, "amount": amount},
            {"account": income.pk, "fund": chart.general.pk, "amount": f"-{amount}"},
        ],
    }
    body.update(overrides)
    return body
