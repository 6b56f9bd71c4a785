"""Pagination: cursor pagination for append-only, ever-growing lists."""

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request

from api.exceptions import ParameterValidationError


def _strict_page_size(request: Request, *, param: str, default: int, maximum: int) -> int:
    """The requested page size; a bad value is a 400, not silently the default."""
    raw = request.query_params.get(param)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ParameterValidationError(
            {param: [f"A whole number between 1 and {maximum} is required."]}, location="query"
        )
    return int(raw)


def _page_size_parameter(name: str, maximum: int) -> dict[str, Any]:
    return {
        "name": name,
        "required": False,
        "in": "query",
        "description": "Number of results per page.",
        "schema": {"type": "integer", "minimum": 1, "maximum": maximum},
    }


class DefaultPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        return _strict_page_size(
            request, param=self.page_size_query_param, default=self.page_size, maximum=self.max_page_size
        )

    def get_page_number(self, request: Request, paginator: Any) -> int:
        """A whole number from 1; a page past the end is a 404, anything else a 400."""
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise ParameterValidationError(
                {self.page_query_param: ["A whole number from 1 is required."]}, location="query"
            )
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number within the paginated result set.",
                "schema": {"type": "integer", "minimum": 1},
            },
            _page_size_parameter(self.page_size_query_param, self.max_page_size),
        ]


class IdCursorPagination(CursorPagination):
    """Stable under concurrent inserts: orders by id, newest first."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        return _strict_page_size(
            request, param=self.page_size_query_param, default=self.page_size, maximum=self.max_page_size
        )

    def decode_cursor(self, request: Request) -> Any:
        cursor = super().decode_cursor(request)
        # The position is an id; anything else was not made by us.
        if (
            cursor is not None
            and cursor.position is not None
            and not (str(cursor.position).isascii() and str(cursor.position).isdigit())
        ):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque cursor from a previous page's `next` or `previous` link.",
                "schema": {"type": "string"},
            },
            _page_size_parameter(self.page_size_query_param, self.max_page_size),
        ]
