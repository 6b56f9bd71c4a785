"""Index only the entries that reverse another.

reverses_id is a one-to-one link, so Django made it UNIQUE over every row: each
posted entry added a NULL to that index, one index insertion in six on the
busiest table. A partial unique index keeps "reversed at most once" and skips
them. Django's model state keeps the field as it is.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE ledger_entry DROP CONSTRAINT ledger_entry_reverses_id_key;
CREATE UNIQUE INDEX entry_reversed_once ON ledger_entry (reverses_id) WHERE reverses_id IS NOT NULL;
"""

BACKWARD = """
DROP INDEX entry_reversed_once;
ALTER TABLE ledger_entry ADD CONSTRAINT ledger_entry_reverses_id_key UNIQUE (reverses_id);
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_cheaper_posting_summary")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
