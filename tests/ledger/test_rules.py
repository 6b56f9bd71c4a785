"""The ledger's rules that need no database: plausible entry dates, text without invisible characters."""

import datetime

import pytest
from django.test import override_settings

from ledger.exceptions import DateOutOfRange, InvisibleCharacters
from ledger.rules import check_entry_date, check_entry_text, entry_date_range

TODAY = datetime.date(2026, 11, 30)


@override_settings(LEDGER_START_DATE=datetime.date(2020, 1, 1), LEDGER_MAX_DAYS_AHEAD=10)
def test_entry_dates_run_from_the_ledgers_start_to_the_days_allowed_ahead():
    assert entry_date_range(today=TODAY) == (datetime.date(2020, 1, 1), datetime.date(2026, 12, 10))
    check_entry_date(datetime.date(2020, 1, 1), today=TODAY)
    check_entry_date(datetime.date(2026, 12, 10), today=TODAY)
    for date in (datetime.date(2019, 12, 31), datetime.date(2026, 12, 11), datetime.date(9999, 12, 31)):
        with pytest.raises(DateOutOfRange, match="LEDGER_"):
            check_entry_date(date, today=TODAY)


def test_the_default_range_starts_in_2000_and_reaches_a_year_ahead():
    first, last = entry_date_range(today=TODAY)
    assert first == datetime.date(2000, 1, 1)
    assert last == datetime.date(2027, 12, 1)


def test_entry_text_with_a_bidi_override_is_refused_naming_the_character():
    check_entry_text("Rent relief, November")
    with pytest.raises(InvisibleCharacters, match="U\\+202E") as refused:
        check_entry_text("Rent \u202egnp.exe", field="source id")
    assert "source id" in refused.value.detail
