"""Closing accounting periods, for good."""

import datetime

from django.db import connection, transaction
from django.utils import timezone

from ledger import exceptions as exc
from ledger.models import ClosedPeriod
from ledger.services.errors import database_errors


def period_close(
    *, start_date: datetime.date, end_date: datetime.date, closed_by_id: int | None = None
) -> ClosedPeriod:
    """Close a period for good: no entry may be dated inside it afterwards.

    ledger_period_close() locks out postings in flight first, so no entry can
    commit into the period after it is closed.
    """
    if start_date > end_date:
        raise exc.ValidationFailed("A period starts on or before its end.")
    # Closing can never be undone: a typo in the year must not close the future.
    if end_date > timezone.localdate():
        raise exc.ValidationFailed("A period can be closed once it has ended; this one ends after today.")
    with database_errors(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT ledger_period_close(%s, %s, %s)", [start_date, end_date, closed_by_id])
        period_id = cursor.fetchone()[0]
    return ClosedPeriod.objects.get(pk=period_id)
