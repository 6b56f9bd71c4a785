"""The database keeps the vault's rules against any session: the runtime role, the owner, raw SQL."""

import pytest
from django.db import connection

from tests.ledger.rawsql import as_owner, as_superuser, check_deferred_constraints, execute, rejected
from vault.api import access_log_list, field_open, field_seal, subject_shred
from vault.database import unpinned_functions
from vault.models import APPEND_ONLY, DATA_KEY_RULES, SHRED_UNRECORDED

SUBJECT_ID = "(SELECT id FROM vault_subject WHERE reference = %s)"


def _fetch(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


@pytest.fixture
def logged(requester):
    blob = field_seal(subject=requester, field="name", value="Sam")
    field_open(subject=requester, field="name", blob=blob, reader_id=5, purpose="review")
    return requester


def test_the_tests_run_as_the_runtime_role_which_owns_nothing(db):
    ((user, superuser),) = _fetch("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
    assert (user, superuser) == ("tadamun_app", False)
    owned = _fetch(
        "SELECT relname FROM pg_class WHERE relname LIKE 'vault%%' "
        "AND pg_has_role(current_user, relowner, 'USAGE')"
    )
    assert owned == []


def test_the_runtime_role_may_only_read_and_insert_the_access_log_and_subjects(db):
    for table in ("vault_accesslog", "vault_subject"):
        granted = {
            privilege
            for (privilege,) in _fetch(
                "SELECT p FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','TRIGGER',"
                "'REFERENCES']) p WHERE has_table_privilege(%s, p)",
                [table],
            )
        }
        assert granted == {"SELECT", "INSERT"}, table


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE vault_accesslog SET purpose = 'nothing'",
        "UPDATE vault_accesslog SET reader_id = NULL",
        "DELETE FROM vault_accesslog",
        "TRUNCATE vault_accesslog CASCADE",
        "UPDATE vault_subject SET kind = 'donor'",
        "DELETE FROM vault_subject",
        "TRUNCATE vault_subject CASCADE",
        "TRUNCATE vault_datakey",
    ],
)
def test_the_runtime_role_cannot_rewrite_or_empty_the_access_log(logged, statement):
    with rejected("42501"):
        execute(statement)
    assert len(access_log_list(subject=logged)) == 1


@pytest.mark.parametrize("as_role", [as_owner, as_superuser])
def test_nor_can_the_owner_or_a_superuser_while_the_triggers_stand(logged, as_role):
    check_deferred_constraints()  # TRUNCATE waits for no pending foreign-key checks
    with as_role():
        with rejected("P0001", match="Cannot update or delete"):
            execute("UPDATE vault_accesslog SET purpose = 'nothing'")
        with rejected("P0001", match="Cannot update or delete"):
            execute("DELETE FROM vault_accesslog")
        with rejected(APPEND_ONLY):
            execute("TRUNCATE vault_accesslog CASCADE")
        with rejected("P0001", match="Cannot update or delete"):
            execute("DELETE FROM vault_subject")
    assert len(access_log_list(subject=logged)) == 1


def test_a_shredded_key_can_never_be_unshredded(requester):
    ((wrapped, key_id),) = _fetch(
        f"SELECT wrapped_key, master_key_id FROM vault_datakey WHERE subject_id = {SUBJECT_ID}",
        [requester.reference],
    )
    subject_shred(subject=requester, by_id=1, reason="retention")
    restore = (
        "UPDATE vault_datakey SET wrapped_key = %s, master_key_id = %s, shredded_at = NULL "
        f"WHERE subject_id = {SUBJECT_ID}"
    )
    with rejected(DATA_KEY_RULES, match="stays shredded"):
        execute(restore, [wrapped, key_id, requester.reference])
    with as_owner(), rejected(DATA_KEY_RULES, match="stays shredded"):
        execute(restore, [wrapped, key_id, requester.reference])
    with rejected(DATA_KEY_RULES, match="stays shredded"):
        execute(
            f"UPDATE vault_datakey SET shredded_at = now() WHERE subject_id = {SUBJECT_ID}",
            [requester.reference],
        )


def test_a_data_key_row_is_never_deleted(requester):
    with rejected("P0001", match="Cannot delete"):
        execute("DELETE FROM vault_datakey")
    with as_owner(), rejected("P0001", match="Cannot delete"):
        execute("DELETE FROM vault_datakey")


@pytest.mark.parametrize(
    "change",
    [
        "master_key_id = 'other'",  # relabelled, not re-wrapped
        "wrapped_key = decode(repeat('00', 60), 'hex')",  # replaced under the same master key
        "created_at = now() - interval '1 year'",
        "rewrapped_at = now()",
    ],
)
def test_a_live_key_changes_only_by_rewrapping_under_another_master_key(requester, change):
    with rejected(DATA_KEY_RULES):
        execute(f"UPDATE vault_datakey SET {change} WHERE subject_id = {SUBJECT_ID}", [requester.reference])


def test_a_data_key_is_created_live(db):
    execute(
        "INSERT INTO vault_subject (reference, kind, created_at) VALUES (gen_random_uuid(), 'donor', now())"
    )
    with rejected(DATA_KEY_RULES, match="created live"):
        execute(
            "INSERT INTO vault_datakey (subject_id, created_at, shredded_at) "
            "SELECT id, now(), now() FROM vault_subject ORDER BY id DESC LIMIT 1"
        )


def test_a_shred_without_a_shred_record_is_refused_at_commit(requester):
    with rejected(SHRED_UNRECORDED):
        execute(
            f"UPDATE vault_datakey SET wrapped_key = NULL, master_key_id = NULL, shredded_at = now() "
            f"WHERE subject_id = {SUBJECT_ID}",
            [requester.reference],
        )
        check_deferred_constraints()


def test_wrong_shapes_are_refused_by_check_constraints(requester):
    insert = (
        "INSERT INTO vault_accesslog (subject_id, action, field, reader_id, purpose, at) "
        f"VALUES ({SUBJECT_ID}, %s, %s, 1, %s, now())"
    )
    with rejected("23514", constraint="vault_accesslog_purpose_valid"):
        execute(insert, [requester.reference, "open", "name", "Sam asked on Signal"])
    with rejected("23514", constraint="vault_accesslog_action_field"):
        execute(insert, [requester.reference, "open", "Full Name", "review"])
    with rejected("23514", constraint="vault_accesslog_action_field"):
        execute(insert, [requester.reference, "peek", "name", "review"])
    with rejected("23514", constraint="vault_subject_kind_valid"):
        execute(
            "INSERT INTO vault_subject (reference, kind, created_at) VALUES (gen_random_uuid(), 'x', now())"
        )


def test_the_database_stamps_the_time_of_an_access(requester):
    execute(
        "INSERT INTO vault_accesslog (subject_id, action, field, reader_id, purpose, at) "
        f"VALUES ({SUBJECT_ID}, 'open', 'name', 1, 'review', '2001-01-01')",
        [requester.reference],
    )
    ((year,),) = _fetch("SELECT extract(year FROM at)::int FROM vault_accesslog")
    assert year > 2001


def test_every_vault_trigger_function_has_a_pinned_search_path(db):
    assert unpinned_functions("default") == []
