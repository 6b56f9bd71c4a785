"""The translation catalogues in locale/: extracted from the code, compiled and checked with Babel.

Django's makemessages and compilemessages need GNU gettext's programs; Babel (already a
dependency, for currencies) reads the same Python calls and writes the same .po and .mo
files, so no system package is needed. `manage.py translations` runs these.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages import extract as babel_extract
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po
from django.conf import settings

DOMAIN = "django"
# Where the messages people read through the API are written (folders, or single files);
# tests and migrations hold none. Of giving, only the receipts are translated so far.
SOURCES = ("api", "core", "grants", "pledges/documents.py")
# Django templates whose words are translated: read through Django's own templatize (as
# makemessages does), which turns {% translate %} and {% blocktranslate %} into gettext calls.
TEMPLATES = ("web/templates",)
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
}
# (location, line, message, comments, context) of one message found.
Found = tuple[str, int, str | tuple[str, ...], list[str], str | None]
METHOD_MAP = [("**/migrations/**.py", "ignore"), ("**.py", "python")]


@dataclass(frozen=True)
class Paths:
    po: Path
    mo: Path


def base_dir() -> Path:
    return Path(settings.BASE_DIR)


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def translated_languages() -> list[str]:
    """Every language of settings.LANGUAGES but the one the code is written in."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def paths(language: str) -> Paths:
    folder = locale_dir() / language / "LC_MESSAGES"
    return Paths(po=folder / f"{DOMAIN}.po", mo=folder / f"{DOMAIN}.mo")


def extract() -> Catalog:
    """Every message the code marks for translation, as a template catalogue."""
    template = Catalog(domain=DOMAIN, project="Tadamun", fuzzy=False)
    for source in SOURCES:
        for location, lineno, message, comments, context in _extract(source):
            template.add(message, None, [(location, lineno)], auto_comments=comments, context=context)
    for folder in TEMPLATES:
        for location, lineno, message, comments, context in _extract_templates(folder):
            template.add(message, None, [(location, lineno)], auto_comments=comments, context=context)
    return template


def _extract_templates(
    folder: str,
) -> Iterator[tuple[str, int, str | tuple[str, ...], list[str], str | None]]:
    from django.utils.translation.template import templatize

    root = base_dir()
    for path in sorted((root / folder).rglob("*.html")):
        location = str(path.relative_to(root))
        code = templatize(path.read_text(encoding="utf-8"), origin=location)
        for lineno, message, comments, context in babel_extract.extract(
            "python", io.BytesIO(code.encode("utf-8")), keywords=KEYWORDS
        ):
            yield location, lineno, message, comments, context


def _extract(source: str) -> Iterator[Found]:
    """(location, line, message, comments, context) of every message in a folder or one file."""
    path = base_dir() / source
    if path.is_file():
        for lineno, message, comments, context in extract_from_file("python", path, keywords=KEYWORDS):
            yield source, lineno, message, comments, context
        return
    for filename, lineno, message, comments, context in extract_from_dir(
        path, method_map=METHOD_MAP, keywords=KEYWORDS
    ):
        yield f"{source}/{filename}", lineno, message, comments, context


def read(language: str) -> Catalog:
    path = paths(language).po
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN, project="Tadamun", fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def update(language: str, template: Catalog) -> Catalog:
    """The language's catalogue brought in line with the code: new messages added, gone ones dropped."""
    catalogue = read(language)
    catalogue.update(template, no_fuzzy_matching=True, update_creation_date=False)
    catalogue.obsolete.clear()
    path = paths(language).po
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=100, sort_output=True, include_lineno=False)
    return catalogue


def compiled(catalogue: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalogue, use_fuzzy=False)
    return buffer.getvalue()


def compile_language(language: str) -> Path:
    target = paths(language).mo
    target.write_bytes(compiled(read(language)))
    return target


def _text(value: object) -> object:
    """A message id or string; a plural's forms as a tuple (the .mo reader gives a list)."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _context(message: Message) -> str | None:
    """A message's context; Babel's .mo reader gives it as bytes."""
    context = message.context
    return context.decode() if isinstance(context, bytes) else context


def _translations(catalogue: Catalog) -> dict[tuple[object, str | None], object]:
    return {
        (_text(message.id), _context(message)): _text(message.string)
        for message in catalogue
        if message.id and message.string and not message.fuzzy
    }


def _untranslated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return message.fuzzy or not all(strings)


def problems(template: Catalog | None = None) -> Iterator[str]:
    """What is wrong with the catalogues: a message the code uses but a language lacks, or a stale .mo."""
    template = template if template is not None else extract()
    for language in translated_languages():
        catalogue = read(language)
        for wanted in template:
            if not wanted.id:
                continue
            found = catalogue.get(wanted.id, context=wanted.context)
            if found is None or _untranslated(found):
                yield f"{language}: no translation of {wanted.id!r}"
        mo = paths(language).mo
        if not mo.exists():
            yield f"{language}: {mo.name} is missing; run manage.py translations compile"
            continue
        with mo.open("rb") as handle:
            if _translations(read_mo(handle)) != _translations(catalogue):
                yield f"{language}: {mo.name} is older than its .po; run manage.py translations compile"
