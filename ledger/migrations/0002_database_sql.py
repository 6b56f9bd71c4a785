"""What Django cannot declare (ledger/sql/constraints.sql), and the server-side functions.

The functions are installed from ledger/sql/functions/ here and again after
every migrate (ledger.database.harden), so the files are their one definition.
"""

from django.db import migrations


def install(apps, schema_editor) -> None:  # noqa: ANN001
    from ledger import sql
    from ledger.database import harden

    schema_editor.execute(sql.read("constraints.sql"), params=None)
    harden(schema_editor.connection.alias)


def uninstall(apps, schema_editor) -> None:  # noqa: ANN001
    from ledger import sql

    for name in reversed(sql.FUNCTIONS):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}")
    schema_editor.execute(sql.read("constraints_reverse.sql"), params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
