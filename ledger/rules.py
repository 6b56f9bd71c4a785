"""Rules of the books that need no database: plausible entry dates and visible text."""

import datetime

from django.conf import settings
from django.utils import timezone

from core.text import invisible_characters
from ledger.exceptions import DateOutOfRange, InvisibleCharacters


def entry_date_range(*, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The first and last dates an entry may carry: the ledger's start, and today plus the days ahead."""
    today = today or timezone.localdate()
    return settings.LEDGER_START_DATE, today + datetime.timedelta(days=settings.LEDGER_MAX_DAYS_AHEAD)


def check_entry_date(date: datetime.date, *, today: datetime.date | None = None) -> None:
    """Raise DateOutOfRange unless `date` lies within entry_date_range()."""
    first, last = entry_date_range(today=today)
    if not first <= date <= last:
        raise DateOutOfRange(
            f"The entry date {date.isoformat()} is outside the dates the ledger accepts: "
            f"from {first.isoformat()} (LEDGER_START_DATE) to {last.isoformat()} "
            f"({settings.LEDGER_MAX_DAYS_AHEAD} days ahead, LEDGER_MAX_DAYS_AHEAD)."
        )


def check_entry_text(text: str, *, field: str = "memo") -> None:
    """Raise InvisibleCharacters when `text` holds bidi controls or other invisible characters."""
    found = invisible_characters(text)
    if found:
        raise InvisibleCharacters(
            f"The {field} may not contain bidirectional controls or invisible characters "
            f"(found {', '.join(found)})."
        )
