"""Logging as configured for running the site (not the tests' own): each 4xx is logged once."""

import os
import subprocess
import sys

from django.conf import settings

# Logs what Django logs for a 404 and what runserver logs for a request, under the
# local settings with DEBUG on, in a process of its own: the test run's logging
# is configured differently and must not be disturbed.
SCRIPT = """
import logging
import django

django.setup()
logging.getLogger("django.request").warning("Not Found: /nope")
logging.getLogger("django.server").info('"GET / HTTP/1.1" 200 2881', extra={"status_code": 200})
"""


def run_logs() -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "true"}
    command = [sys.executable, "-c", SCRIPT]
    done = subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True)
    return done.stderr


def test_a_client_error_is_logged_once_and_each_request_line_keeps_its_time():
    logs = run_logs()
    assert logs.count("Not Found: /nope") == 1
    request_lines = [line for line in logs.splitlines() if '"GET / HTTP/1.1" 200 2881' in line]
    assert len(request_lines) == 1
    assert request_lines[0].startswith("[")
