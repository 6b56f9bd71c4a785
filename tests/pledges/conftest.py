"""Pledge tests sign in as donors and treasurers like the API tests do."""

from tests.api.conftest import auditor, client_for, make_user, treasurer  # noqa: F401
