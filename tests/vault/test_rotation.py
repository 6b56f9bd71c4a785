"""Master key rotation: old keys still open, vault_rotate moves every data key, then old keys can go."""

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from tests.vault.conftest import master_key_entry
from vault import services
from vault.api import MasterKeyUnknown, field_open, field_seal, subject_create
from vault.checks import stranded_keys_check
from vault.models import DataKey
from vault.selectors import datakey_master_key_counts

OLD = settings.VAULT_MASTER_KEYS
NEW = master_key_entry("k2")


def _open(subject, blob, field="name"):
    return field_open(subject=subject, field=field, blob=blob, reader_id=1, purpose="review")


def _sealed(count):
    subjects = [subject_create(kind="requester") for _ in range(count)]
    return [
        (subject, field_seal(subject=subject, field="name", value=f"person {n}"))
        for n, subject in enumerate(subjects)
    ]


def _rotate(*args):
    out = io.StringIO()
    call_command("vault_rotate", *args, stdout=out)
    return out.getvalue()


def test_with_a_new_current_key_the_old_key_still_opens_and_new_subjects_use_the_new_one(db):
    ((before, blob),) = _sealed(1)
    with override_settings(VAULT_MASTER_KEYS=f"{NEW},{OLD}"):
        assert _open(before, blob) == "person 0"
        after = subject_create(kind="donor")
        assert DataKey.objects.get(subject__reference=after.reference).master_key_id == "k2"
        assert DataKey.objects.get(subject__reference=before.reference).master_key_id == "dev"


def test_after_rotating_the_old_key_can_be_removed_and_everything_still_opens(db):
    sealed = _sealed(5)
    with override_settings(VAULT_MASTER_KEYS=f"{NEW},{OLD}"):
        output = _rotate("--batch-size", "2")
        assert "re-wrapped 5 data keys under master key 'k2'" in output
        assert "the others can go" in output
    assert datakey_master_key_counts() == {"k2": 5}
    with override_settings(VAULT_MASTER_KEYS=NEW):
        for n, (subject, blob) in enumerate(sealed):
            assert _open(subject, blob) == f"person {n}"
        assert stranded_keys_check(databases=["default"]) == []


def test_rotating_again_moves_nothing(db):
    _sealed(3)
    with override_settings(VAULT_MASTER_KEYS=f"{NEW},{OLD}"):
        _rotate()
        before = list(DataKey.objects.order_by("pk").values_list("wrapped_key", "rewrapped_at"))
        assert "re-wrapped 0 data keys" in _rotate()
        assert list(DataKey.objects.order_by("pk").values_list("wrapped_key", "rewrapped_at")) == before


def test_an_interrupted_rotation_leaves_every_key_usable_and_a_rerun_finishes(db, monkeypatch):
    sealed = _sealed(4)
    real_wrap, calls = services.crypto.data_key_wrap, []

    def crash_on_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_wrap(*args, **kwargs)

    with override_settings(VAULT_MASTER_KEYS=f"{NEW},{OLD}"):
        monkeypatch.setattr(services.crypto, "data_key_wrap", crash_on_third)
        with pytest.raises(KeyboardInterrupt):
            _rotate("--batch-size", "2")
        monkeypatch.undo()
        assert datakey_master_key_counts() == {"dev": 2, "k2": 2}  # the first batch committed whole
        for n, (subject, blob) in enumerate(sealed):
            assert _open(subject, blob) == f"person {n}"
        assert "re-wrapped 2 data keys" in _rotate()
    assert datakey_master_key_counts() == {"k2": 4}


def test_shredded_keys_are_not_rewrapped(db):
    from vault.api import subject_shred

    (subject, _), _other = _sealed(2)
    subject_shred(subject=subject, by_id=1, reason="retention")
    with override_settings(VAULT_MASTER_KEYS=f"{NEW},{OLD}"):
        assert "re-wrapped 1 data keys" in _rotate()


def test_removing_a_key_before_rotating_is_reported_and_refused_loudly(db):
    ((subject, blob),) = _sealed(1)
    with override_settings(VAULT_MASTER_KEYS=NEW):
        with pytest.raises(MasterKeyUnknown) as info:
            _open(subject, blob)
        assert "'dev'" in str(info.value)
        (error,) = stranded_keys_check(databases=["default"])
        assert error.id == "vault.E002"
        with pytest.raises(CommandError, match="1 under 'dev'"):
            _rotate()
    with override_settings(VAULT_MASTER_KEYS=f"{NEW},{OLD}"):
        _rotate()
    with override_settings(VAULT_MASTER_KEYS=NEW):
        assert _open(subject, blob) == "person 0"
