"""One rule for text people type: no bidirectional controls or other invisible characters."""

import unicodedata

from django.core.exceptions import ValidationError

# Zero-width non-joiner and joiner change how visible letters are drawn: Persian
# and Indic scripts need the first, emoji sequences (the rainbow and trans flags)
# the second. Every other format character (category Cf: bidi controls and
# marks, zero-width spaces, soft hyphen, tags...) is invisible and refused.
_ALLOWED_FORMAT = frozenset("\u200c\u200d")
_ALLOWED_CONTROLS = frozenset("\t\n\r")
INVISIBLE_CODE = "invisible_characters"


def invisible_characters(text: str) -> list[str]:
    """The invisible characters in `text` as U+XXXX, in order of appearance, without repeats."""
    if text.isprintable():  # no character of category C at all: the common case, at C speed
        return []
    found: dict[str, None] = {}
    for char in text:
        category = unicodedata.category(char)
        if (
            (category == "Cf" and char not in _ALLOWED_FORMAT)
            or (category == "Cc" and char not in _ALLOWED_CONTROLS)
            or category == "Cs"  # a lone surrogate: not even encodable as UTF-8
        ):
            found[f"U+{ord(char):04X}"] = None
    return list(found)


def visible_text_validate(text: str) -> None:
    """Django validator: refuse text with bidi controls, invisible format or control characters."""
    found = invisible_characters(text)
    if found:
        raise ValidationError(
            "Text may not contain bidirectional controls or invisible characters (found %(chars)s).",
            code=INVISIBLE_CODE,
            params={"chars": ", ".join(found)},
        )
