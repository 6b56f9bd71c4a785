"""Keep locale/ in step with the code: `extract` new messages, `compile` the .mo files, `check` both."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api import catalogue


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action",
            choices=["extract", "compile", "check"],
            help="extract: add the code's new messages to every .po (and drop gone ones); "
            "compile: write each .mo from its .po; check: exit non-zero if a message lacks a "
            "translation or a .mo is stale.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "extract":
            template = catalogue.extract()
            for language in catalogue.translated_languages():
                updated = catalogue.update(language, template)
                missing = sum(1 for message in updated if message.id and not message.string)
                self.stdout.write(f"{language}: {len(updated)} messages, {missing} without a translation")
        elif action == "compile":
            for language in catalogue.translated_languages():
                self.stdout.write(f"wrote {catalogue.compile_language(language)}")
        else:
            found = list(catalogue.problems())
            for problem in found:
                self.stderr.write(problem)
            if found:
                raise CommandError(f"{len(found)} problem(s) in the translation catalogues")
            self.stdout.write("every message is translated and every .mo is current")
