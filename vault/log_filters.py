"""Keep wrapped data keys out of the SQL debug log: a copy there would outlive a shredding."""

import logging

KEY_TABLE = "vault_datakey"


class HideDataKeyQueries(logging.Filter):
    """Drops django.db.backends records of statements on the data key table (their parameters are keys)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return KEY_TABLE not in str(getattr(record, "sql", ""))
