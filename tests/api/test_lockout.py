"""Lockout (django-axes): repeated failed sign-ins lock the account and the address, API and admin alike."""

import logging

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory
from tests.users.admin_login import admin_login_post

TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def lockout_after_three(settings):
    settings.AXES_FAILURE_LIMIT = 3
    cache.clear()
    yield
    cache.clear()


def _ask(username: str, password: str, address: str = "198.51.100.7"):
    return APIClient(REMOTE_ADDR=address).post(
        TOKEN, {"username": username, "password": password}, format="json"
    )


def test_repeated_wrong_passwords_lock_the_account_even_against_the_right_one(db):
    user = UserFactory()
    assert [_ask(user.username, f"guess {i}").status_code for i in range(2)] == [400, 400]
    third = _ask(user.username, "guess 3")
    assert third.status_code == 429
    response = _ask(user.username, PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "locked_out"
    assert body["status"] == 429
    assert int(response["Retry-After"]) == 30 * 60


def test_the_account_stays_locked_from_another_address(db):
    user = UserFactory()
    for i in range(3):
        _ask(user.username, f"guess {i}", address=f"198.51.100.{i}")
    assert _ask(user.username, PASSWORD, address="203.0.113.99").json()["code"] == "locked_out"


def test_an_address_guessing_many_accounts_is_locked_for_all_of_them(db):
    users = [UserFactory() for _ in range(4)]
    for user in users[:3]:
        _ask(user.username, "guess")
    response = _ask(users[3].username, PASSWORD)
    assert response.json()["code"] == "locked_out"
    # The same account from another address is not locked.
    assert _ask(users[3].username, PASSWORD, address="203.0.113.5").status_code == 200


def test_the_lockout_ends_after_the_cool_off(db, settings):
    user = UserFactory()
    for i in range(3):
        _ask(user.username, f"guess {i}")
    settings.AXES_COOLOFF_TIME = 0.0  # hours: the cool-off is over
    assert _ask(user.username, PASSWORD).status_code == 200


def test_the_log_names_neither_the_username_nor_the_password(db, caplog):
    """A donor's or requester's username may be their name; who was tried is in axes' tables, not the log."""
    user = UserFactory()
    with caplog.at_level(logging.WARNING):
        for i in range(3):
            _ask(user.username, f"secret-guess-{i}")
    text = caplog.text
    assert "AXES: New login failure" in text
    assert user.username not in text
    assert "secret-guess" not in text
    assert "198.51.100.7" not in text


def test_the_admin_login_locks_out_too(db):
    user = UserFactory(is_staff=True)
    client = Client(REMOTE_ADDR="198.51.100.8")
    for i in range(3):
        admin_login_post(client, user.username, password=f"guess {i}")
    response = admin_login_post(client, user.username)
    assert response.status_code == 429
    assert "locked" in response.content.decode().lower()
    # The API refuses the same account.
    assert _ask(user.username, PASSWORD, address="203.0.113.9").json()["code"] == "locked_out"
