"""What the pages and the API share about files: reading an uploaded file from a multipart form, and answering a
file (a supporting document, a PDF) with the headers a download needs."""
from __future__ import annotations

from collections.abc import Iterable

from pyramid.request import Request
from pyramid.response import Response

from pipeline.materials import MAX_ATTACHMENT_BYTES


def read_upload(request: Request, name: str = "file") -> tuple[str, bytes]:
    """(file name, bytes) of the multipart field `name`, read up to one byte over the limit (so a file too big is
    told apart without keeping more); ('', b'') without a file."""
    field = request.POST.get(name)
    if field is None or not hasattr(field, "file"):
        return "", b""
    return field.filename or "", field.file.read(MAX_ATTACHMENT_BYTES + 1)


def file_response(content_type: str, body: Iterable[bytes], length: int, disposition: str) -> Response:
    """A file answer, streamed from `body`; never cached by a shared cache, never sniffed into another type."""
    response = Response(content_type=content_type, app_iter=body, content_length=length)
    response.headers["Content-Disposition"] = disposition
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control = "private, no-store"
    return response
