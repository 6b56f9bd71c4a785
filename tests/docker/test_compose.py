"""The containers start clean: two database roles, migrations as the owner, no demo data, TLS in front."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.production import production_env, run_python

DOCKER = Path(settings.BASE_DIR) / "docker"


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yml").read_text())


def interpolate(value: str, env: dict[str, str]) -> str:
    """What docker compose does with ${NAME}, ${NAME:-default}, ${NAME:?error} and $$."""

    def substitute(match: re.Match) -> str:
        name, operator, argument = match.groups()
        if env.get(name):
            return env[name]
        if operator == ":-":
            return argument
        raise KeyError(f"{name}: {argument}")

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", substitute, value).replace("$$", "$")


COMPOSE_ENV = {
    "DJANGO_SECRET_KEY": "a-real-one-comes-from-the-environment",
    "LEDGER_SIGNING_KEY": "a-real-one-too",
    "VAULT_MASTER_KEYS": "and-another",
    "POSTGRES_PASSWORD": "pg",
    "TADAMUN_OWNER_PASSWORD": "owner-pw",
    "TADAMUN_APP_PASSWORD": "app-pw",
}


def service_env(name: str) -> dict[str, str]:
    environment = compose()["services"][name]["environment"]
    return {key: interpolate(str(value), COMPOSE_ENV) for key, value in environment.items()}


def test_compose_never_loads_the_demo():
    for name, service in compose()["services"].items():
        assert "seed_demo" not in str(service.get("command", "")), name


def test_compose_migrates_as_the_owner_and_serves_as_the_runtime_role():
    services = compose()["services"]
    migrate = service_env("migrate")
    assert migrate["DATABASE_OWNER_URL"].startswith("postgres://tadamun_owner:owner-pw@postgres")
    assert migrate["DATABASE_URL"].startswith("postgres://tadamun_app:app-pw@postgres")
    assert services["migrate"]["command"] == "python manage.py migrate --noinput"
    for name in ("web", "worker"):
        env = service_env(name)
        assert env["DATABASE_URL"].startswith("postgres://tadamun_app:app-pw@postgres"), name
        assert "DATABASE_OWNER_URL" not in env, name
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_database_init_script_creates_the_owner_and_the_runtime_role():
    sql = (DOCKER / "initdb" / "10-roles.sql").read_text()
    assert "CREATE ROLE tadamun_owner LOGIN" in sql
    assert "CREATE ROLE tadamun_app LOGIN" in sql
    assert "CREATE DATABASE tadamun OWNER tadamun_owner" in sql
    assert "./initdb:/docker-entrypoint-initdb.d:ro" in compose()["services"]["postgres"]["volumes"]


def test_the_app_is_reached_only_through_the_tls_proxy():
    services = compose()["services"]
    assert "ports" not in services["web"]
    assert services["proxy"]["ports"] == ["127.0.0.1:8443:443"]
    assert "reverse_proxy web:8000" in (DOCKER / "Caddyfile").read_text()
    assert "DJANGO_SECURE_SSL_REDIRECT" not in service_env("web")


@pytest.mark.slow
def test_the_compose_environment_passes_the_deployment_checks(db):
    env = production_env(**service_env("web"))
    env["DATABASE_URL"] = production_env()["DATABASE_URL"]  # the test database, not compose's host
    for secret in ("DJANGO_SECRET_KEY", "LEDGER_SIGNING_KEY", "VAULT_MASTER_KEYS"):
        env[secret] = production_env()[secret]
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
