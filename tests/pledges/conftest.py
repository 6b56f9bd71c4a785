"""Pledge tests sign in as donors and treasurers like the API tests do; donors can also sign up."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.api.conftest import auditor, client_for, make_user, treasurer  # noqa: F401

DONORS = "/api/v1/donors/"
PASSWORD = "a long donor passphrase 42"


@pytest.fixture(autouse=True)
def fresh_throttle():
    """Sign-ups and manage codes are throttled per address, and every test client has the same one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sign_up(db):
    """sign_up(username, **profile) -> an APIClient signed in as a new donor who signed up through the API."""

    def make(username: str = "quiet-giver", **profile) -> APIClient:
        response = APIClient().post(
            DONORS, {"username": username, "password": PASSWORD, **profile}, format="json"
        )
        assert response.status_code == 201, response.content
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        return client

    return make
