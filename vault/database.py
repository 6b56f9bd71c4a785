"""The database side of the vault's guards: pin its trigger functions' search path after migrate."""

import pgtrigger
from django.db import connections

SEARCH_PATH = "pg_catalog, public, pg_temp"
PINNED = f"search_path={SEARCH_PATH}"


def trigger_functions() -> list[str]:
    """The database names of the functions behind every vault trigger."""
    return sorted(
        trigger.get_pgid(model)
        for model, trigger in pgtrigger.registered()
        if model._meta.app_label == "vault"
    )


def triggers_pin(using: str) -> None:
    """Pin each vault trigger function's search path, so a session's temporary table cannot stand in
    for the access log. Only the role that owns the vault's tables may; for any other, nothing to do."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(pg_has_role(current_user, c.relowner, 'USAGE'), false) "
            "FROM (SELECT 1) one LEFT JOIN pg_class c ON c.oid = to_regclass('public.vault_datakey')"
        )
        if not cursor.fetchone()[0]:
            return
        cursor.execute(
            "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proname = ANY(%s)",
            [trigger_functions()],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"ALTER FUNCTION public.{name}() SET search_path = {SEARCH_PATH}")


def unpinned_functions(using: str) -> list[str]:
    """Vault trigger functions that are missing or run without the pinned search path."""
    expected = trigger_functions()
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
            "AND proname = ANY(%s) AND %s = ANY(coalesce(proconfig, '{}'))",
            [expected, PINNED],
        )
        pinned = {row[0] for row in cursor.fetchall()}
    return [name for name in expected if name not in pinned]
