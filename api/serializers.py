"""Base classes of the API's serializers."""

from typing import Any, ClassVar

from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict


# An output serializer whose fields are built once per class and shared by its
# instances. DRF deep-copies every declared field for each serializer it makes,
# which costs more than rendering one small object; a ListSerializer already
# reuses one child for all its items, and this does the same across requests.
# Only for read-only serializers whose fields read nothing but the object: no
# context, no request, no state of the serializer. (A comment, not a docstring:
# the OpenAPI schema would take a docstring as every subclass's description.)
class SharedFieldsOutput(serializers.Serializer):
    _shared_fields: ClassVar[BindingDict]

    @property
    def fields(self) -> BindingDict:
        cls = type(self)
        shared = cls.__dict__.get("_shared_fields")
        if shared is None:
            # Bound to a serializer of their own, kept alive by their parent links.
            shared = super(SharedFieldsOutput, cls()).fields
            cls._shared_fields = shared
        return shared

    def to_internal_value(self, data: Any) -> Any:
        raise TypeError(f"{type(self).__name__} renders output only; it reads no input")
