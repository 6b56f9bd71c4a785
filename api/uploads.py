"""Multipart uploads held in memory only, and refused as soon as they pass their size limit.

Django's default handlers write an upload larger than 2.5 MB to a temporary file
on disk: a requester's document would then lie there in clear, however briefly.
These views read one file into memory and stop reading at the limit.
"""

from collections.abc import Callable
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.http import HttpRequest
from rest_framework.exceptions import ValidationError

# Room in a multipart body for the part headers and the small form fields beside the file.
MULTIPART_OVERHEAD = 64 * 1024


class BoundedMemoryUploadHandler(FileUploadHandler):
    """Keeps one uploaded file in memory; `check(size)` raises once the bytes read pass the limit."""

    def __init__(self, request: HttpRequest | None, *, limit: int, check: Callable[[int], None]) -> None:
        super().__init__(request)
        self.limit = limit
        self.check = check
        self.buffer: BytesIO | None = None
        self.files = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        # A body announced as larger than any acceptable one is refused before a byte of it is read.
        if content_length and content_length > self.limit + MULTIPART_OVERHEAD:
            self.check(content_length - MULTIPART_OVERHEAD)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.files += 1
        if self.files > 1:
            raise ValidationError({self.field_name: "Send one document per upload."})
        self.buffer = BytesIO()
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        assert self.buffer is not None
        self.check(start + len(raw_data))
        self.buffer.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile | None:
        assert self.buffer is not None
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


class BoundedUploadMixin:
    """For an APIView: its multipart body is read by BoundedMemoryUploadHandler alone.

    A view may set its own `upload_limit()` (bytes) and `upload_check(size)` (its own
    refusal past the limit); by default Django's memory limit and its 413.
    """

    def upload_limit(self) -> int:
        return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) or 2_621_440

    def upload_check(self, size: int) -> None:
        if size > self.upload_limit():
            raise RequestDataTooBig("The upload is larger than this endpoint takes.")

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        request.upload_handlers = [
            BoundedMemoryUploadHandler(request, limit=self.upload_limit(), check=self.upload_check)
        ]
        return super().initialize_request(request, *args, **kwargs)  # type: ignore[misc]
