"""Run an input serializer over a request's body or query string and return its data."""

from collections.abc import Iterable
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request

from api.exceptions import ParameterValidationError


def body_validate(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """Validated body data; errors are reported with JSON pointers into the body."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def blank_parameters_reject(request: Request, names: Iterable[str]) -> None:
    """A parameter that is present must have a value: `?currency=` is an error, not "no filter"."""
    blank = {
        name: [ErrorDetail("May not be blank.", code="blank")]
        for name in names
        if "" in request.query_params.getlist(name)
    }
    if blank:
        raise ParameterValidationError(blank, location="query")


def query_validate(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """Validated query parameters; errors are reported by parameter name."""
    serializer = serializer_class(data=request.query_params)
    blank_parameters_reject(request, serializer.fields)
    if not serializer.is_valid():
        raise ParameterValidationError(serializer.errors, location="query")
    return dict(serializer.validated_data)
