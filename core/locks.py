"""Transaction-long locks on names, for rows that do not exist yet or must not be locked themselves."""

from django.db import connection


def advisory_lock(name: str) -> None:
    """Take PostgreSQL's advisory lock on `name` until the transaction ends: one holder at a time."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])
