"""The one rule for typed text: bidi controls and other invisible characters are named and refused."""

import pytest
from django.core.exceptions import ValidationError

from core.text import invisible_characters, visible_text_validate


def test_invisible_characters_are_named_once_each_in_order():
    assert invisible_characters("a\u202eb\u200bc\u202e") == ["U+202E", "U+200B"]


@pytest.mark.parametrize(
    "char",
    [
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200e",
        "\u200f",
        "\u061c",
        "\u200b",
        "\u2060",
        "\ufeff",
        "\u00ad",
        "\U000e0041",
        "\x00",
        "\x1b",
        "\x7f",
        "\x85",
        "\ud800",
    ],
)
def test_every_bidi_control_invisible_format_control_or_surrogate_is_refused(char):
    with pytest.raises(ValidationError) as refused:
        visible_text_validate(f"memo{char}")
    assert refused.value.code == "invisible_characters"
    assert f"U+{ord(char):04X}" in refused.value.messages[0]


@pytest.mark.parametrize(
    "text",
    [
        "Rent, Nov",
        "إيجار",
        "می\u200cخواهم",  # noqa: RUF001 (Persian needs the zero-width non-joiner)
        "\U0001f3f3\ufe0f\u200d\U0001f308",  # the rainbow flag, joined by the zero-width joiner
        "a\tb\r\nc",
    ],
)
def test_visible_text_in_any_script_passes(text):
    visible_text_validate(text)
