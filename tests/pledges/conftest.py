"""Pledge tests sign in as donors and treasurers like the API tests do."""

from tests.api.conftest import client_for, make_user  # noqa: F401
