"""Vault fixtures: subjects, and a fresh master key for rotation tests."""

import base64
import os

import pytest

from vault.api import SubjectRef, subject_create


def master_key_entry(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


@pytest.fixture
def requester(db) -> SubjectRef:
    return subject_create(kind="requester")


@pytest.fixture
def donor(db) -> SubjectRef:
    return subject_create(kind="donor")
