"""Base classes of the API's serializers."""

from typing import Any, ClassVar

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict


# A serializer whose fields are built once per class and shared by its
# instances. DRF deep-copies every declared field for each serializer it makes,
# which costs more than rendering one small object or validating one small
# body; a ListSerializer already reuses one child for all its items, and this
# does the same across requests. Fields keep no state while they render or
# validate (the serializer instance holds the data, errors and results), so
# threads may share them. Only for serializers whose fields read nothing but
# the object or the data: no context, no request, no instance, no partial
# updates, no validator that needs the serializer (UniqueValidator does). (A
# comment, not a docstring: the OpenAPI schema would take a docstring as every
# subclass's description.)
class _FieldsOncePerClass(serializers.Serializer):
    _shared_fields: ClassVar[BindingDict]

    @property
    def fields(self) -> BindingDict:
        cls = type(self)
        shared = cls.__dict__.get("_shared_fields")
        if shared is None:
            # Bound to a serializer of their own, kept alive by their parent links.
            shared = super(_FieldsOncePerClass, cls()).fields
            cls._shared_fields = shared
        return shared


# An output serializer with fields built once per class (see above).
class SharedFieldsOutput(_FieldsOncePerClass):
    def to_internal_value(self, data: Any) -> Any:
        raise TypeError(f"{type(self).__name__} renders output only; it reads no input")


# An input serializer with fields built once per class (see above): each
# validation still has its own serializer, data and errors.
class SharedFieldsInput(_FieldsOncePerClass):
    def to_representation(self, instance: Any) -> Any:
        raise TypeError(f"{type(self).__name__} validates input only; it renders nothing")


class StrictInput(serializers.Serializer):
    """Refuses members it does not declare: a client cannot slip in a status, an amount or an owner."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = (
            sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        )
        if unknown:
            raise serializers.ValidationError({name: _("This field cannot be set.") for name in unknown})
        return attrs
