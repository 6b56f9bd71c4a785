"""The catalogues in locale/: every message the grants API can say is translated, and each .mo is current."""

import shutil

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from django.core.management import CommandError, call_command
from django.utils import translation

from api import catalogue
from grants.exceptions import GrantsError
from grants.models import Category, DeclineReason, Urgency
from grants.workflow import Status


def test_every_message_the_code_marks_has_a_translation_in_every_language_and_every_mo_is_current():
    template = catalogue.extract()
    assert len(template) > 100
    assert list(catalogue.problems(template)) == []


def test_the_check_command_passes_on_the_committed_catalogues():
    call_command("translations", "check")


def _subclasses(cls: type) -> list[type]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in _subclasses(child))]


def test_every_label_and_every_grants_error_reads_in_arabic():
    labels = [choice.label for enum in (Status, Category, Urgency, DeclineReason) for choice in enum]
    errors = [text for error in _subclasses(GrantsError) for text in (error.title, error.message)]
    with translation.override("ar"):
        untranslated = [str(text) for text in (*labels, *errors) if str(text).isascii()]
    assert untranslated == []


def test_a_message_without_a_translation_is_reported(settings):
    template = catalogue.extract()
    template.add("A sentence nobody has translated yet.")
    found = list(catalogue.problems(template))
    assert "ar: no translation of 'A sentence nobody has translated yet.'" in found


@pytest.fixture
def scratch_locale(settings, tmp_path):
    """A copy of locale/ that a test may spoil."""
    shutil.copytree(catalogue.locale_dir(), tmp_path / "locale")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    return tmp_path / "locale"


def test_a_po_changed_without_compiling_is_reported_by_the_check_command(scratch_locale):
    path = catalogue.paths("ar").po
    with path.open("rb") as handle:
        edited: Catalog = read_po(handle, locale="ar")
    edited.get("Housing").string = "الإسكان"
    with path.open("wb") as handle:
        write_po(handle, edited)
    assert list(catalogue.problems()) == [
        "ar: django.mo is older than its .po; run manage.py translations compile"
    ]
    with pytest.raises(CommandError):
        call_command("translations", "check")
    call_command("translations", "compile")
    assert list(catalogue.problems()) == []
