"""Production settings pass Django's deployment checks and never start the embedded PostgreSQL."""

import pytest

from tests.production import production_env, run_python

DEPLOY_CHECK = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]


@pytest.mark.slow
def test_production_settings_pass_the_deployment_checks(db):
    result = run_python(DEPLOY_CHECK, production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_with_a_database_url_the_embedded_postgresql_is_never_imported(db):
    code = (
        "import sys, django; django.setup(); "
        "from django.core.management import call_command; call_command('check'); "
        "print(sorted(m for m in sys.modules if m.startswith(('pixeltable', 'config.embedded_pg'))))"
    )
    result = run_python(["-c", code], production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
