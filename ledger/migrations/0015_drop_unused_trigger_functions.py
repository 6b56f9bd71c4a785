"""Drop the functions of three triggers that earlier migrations removed.

pgtrigger's RemoveTrigger drops a trigger but leaves its function behind, so
pgtrigger_entry_balanced_*, pgtrigger_entry_not_in_closed_period_* and
pgtrigger_posting_update_balances_* stayed in the schema, attached to nothing.
Someone reading the schema to see what guards the books would take them for
rules in force. Going back needs nothing: migrating back past 0004 and 0005
re-adds those triggers, functions included.
"""

from django.db import migrations

FORWARD = """
DROP FUNCTION IF EXISTS pgtrigger_entry_balanced_bd4ad();
DROP FUNCTION IF EXISTS pgtrigger_entry_not_in_closed_period_76f3f();
DROP FUNCTION IF EXISTS pgtrigger_posting_update_balances_ffe4f();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0014_smaller_posting_summary"),
    ]

    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
