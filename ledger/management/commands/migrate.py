"""Django's migrate, run as the migration role (the `owner` database) when one is configured.

The web processes connect as a runtime role that may not create or alter
tables; migrations, and the grants that follow them, need the role that owns
the schema. With DATABASE_OWNER_URL set, `manage.py migrate` uses it unless
told otherwise with --database.
"""

from django.core.management.base import CommandParser
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections

OWNER_ALIAS = "owner"


class Command(MigrateCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        if OWNER_ALIAS in connections:
            parser.set_defaults(database=OWNER_ALIAS)
