"""Each refused request is logged once, by Django's request logger, and no request body is ever logged."""

import contextlib
import io
import logging
import logging.config

import pytest
from django.test import override_settings
from django.utils.log import DEFAULT_LOGGING

from config.settings import base
from tests.api.conftest import ENTRIES, manual_body, post_entry

SECRET = "Ahmad-from-Tehran"  # stands for identifying data a body may carry
LOGGERS = ("", "django", "django.request", "django.security", "django.server", "api", "api.exceptions")


@pytest.fixture
def project_logging():
    """The logging the project runs with (Django's defaults, then base.LOGGING); returns what it wrote."""
    saved = {
        name: (lg.handlers[:], lg.level, lg.propagate, lg.disabled)
        for name in LOGGERS
        for lg in [logging.getLogger(name)]
    }
    written = io.StringIO()
    with contextlib.redirect_stderr(written):  # the console handlers write to the stderr of their creation
        logging.config.dictConfig(DEFAULT_LOGGING)
        logging.config.dictConfig(base.LOGGING)
    yield written.getvalue
    for name, (handlers, level, propagate, disabled) in saved.items():
        lg = logging.getLogger(name)
        lg.handlers[:], lg.level, lg.propagate, lg.disabled = handlers, level, propagate, disabled


@pytest.mark.parametrize("debug", [True, False])
def test_a_refused_request_is_logged_once_without_its_body(project_logging, client_for, chart, debug):
    body = manual_body(chart, memo=SECRET)
    body["postings"][1]["amount"] = "-1.00"  # unbalanced: 422
    with override_settings(DEBUG=debug):
        assert post_entry(client_for("treasurer"), body).status_code == 422
        assert client_for(None).post(ENTRIES, body, format="json").status_code == 401
    logged = project_logging()
    assert logged.count(f"Unprocessable Content: {ENTRIES}") == 1
    assert logged.count(f"Unauthorized: {ENTRIES}") == 1
    assert SECRET not in logged


def test_an_unexpected_error_is_logged_with_its_traceback_but_not_the_body(
    project_logging, treasurer, chart, monkeypatch
):
    def broken(spec):
        raise RuntimeError("boom")

    monkeypatch.setattr("api.v1.ledger.views.entry_post", broken)
    with override_settings(DEBUG=True):
        assert post_entry(treasurer, manual_body(chart, memo=SECRET)).status_code == 500
    logged = project_logging()
    assert logged.count("RuntimeError: boom") == 1
    assert SECRET not in logged


def test_sign_ins_are_logged_without_the_username_a_donor_or_requester_may_have_made_of_their_name(
    project_logging, db
):
    """Closing an account removes its username from every table; a log line could never be taken back."""
    from django.core.cache import cache
    from rest_framework.test import APIClient

    from pledges.services import donor_register

    password = "a long donor passphrase 42"
    donor_register(username=SECRET, password=password)
    cache.clear()  # the token endpoint's throttle counts per address
    for attempt in ("wrong", password):
        APIClient().post("/api/v1/auth/token/", {"username": SECRET, "password": attempt}, format="json")
    cache.clear()

    logged = project_logging()
    assert "AXES: Successful login" in logged and "AXES: New login failure" in logged
    assert SECRET not in logged
