"""System checks: the web processes and workers must not run as a role that can switch the guards off."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import OperationalError

from ledger.database import role_problems
from ledger.signing import signing_key_check

register(signing_key_check)


@register(Tags.database)
def runtime_role_check(
    app_configs: Sequence[Any] | None = None, databases: Iterable[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """An error under production settings (DEBUG off), a warning elsewhere."""
    if not databases or DEFAULT_DB_ALIAS not in databases:
        return []
    level = Warning if settings.DEBUG else Error
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            problems = role_problems(cursor)
    except OperationalError:
        return []  # database checks report an unreachable server themselves
    return [
        level(
            problem,
            hint="Set DATABASE_URL to the runtime role and DATABASE_OWNER_URL to the role that migrates.",
            id="ledger.E001" if level is Error else "ledger.W001",
        )
        for problem in problems
    ]
