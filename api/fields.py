"""Serializer fields for money (decimal strings in major units, never floats) and free text."""

from collections.abc import Mapping
from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.text import visible_text_validate
from ledger.money import to_decimal_string

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
MAX_ID = 2**63 - 1  # ids are PostgreSQL bigints


def _read(value: Any, name: str) -> Any:
    return value[name] if isinstance(value, Mapping) else getattr(value, name)


class AmountInputField(serializers.CharField):
    """An amount sent by a client: a JSON string such as "12.50", never a JSON number.

    DRF's CharField turns numbers into strings; a number has already been through
    the client's binary floating point, so it is refused rather than guessed at.
    """

    default_error_messages = {"invalid": 'Send the amount as a JSON string such as "12.50", not a number.'}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.validators.append(
            RegexValidator(DECIMAL_PATTERN, "A decimal string such as '12.50' or '-12.50'.")
        )

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class FreeTextField(serializers.CharField):
    """Text a person typed (memos, names, notes): no bidirectional controls or invisible characters."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(visible_text_validate)


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": DECIMAL_PATTERN,
        "example": "12.50",
        "description": "Decimal string in major units, with the currency's number of decimals.",
    }
)
class MoneyField(serializers.Field):
    """Reads minor units and a currency from the object; renders the major-unit string.

    With `currency=None` the currency comes from the serializer context (`context["currency"]`),
    for rows that all share their parent's currency.
    """

    def __init__(self, *, amount: str, currency: str | None = "currency", **kwargs: Any) -> None:
        self.amount_attr = amount
        self.currency_attr = currency
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        minor = _read(value, self.amount_attr)
        if minor is None:
            return None
        currency = (
            self.context["currency"] if self.currency_attr is None else _read(value, self.currency_attr)
        )
        return to_decimal_string(minor, currency)


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": DECIMAL_PATTERN,
        "nullable": True,
        "example": "0.00",
        "description": "Decimal string in major units, or null.",
    }
)
class NullableMoneyField(MoneyField):
    """A MoneyField whose amount may be absent (null)."""


@extend_schema_field({"type": "string", "pattern": "^[0-9a-f]{64}$", "example": "0" * 64})
class HashField(serializers.Field):
    """A SHA-256 digest as 64 lower-case hex digits."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: bytes | memoryview) -> str:
        return bytes(value).hex()
