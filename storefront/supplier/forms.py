"""What the supplier portal's forms share: the error that names the field, the typed values of
a form, and a chosen PDF checked before it goes to the API."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from storefront.api_client import Upload
from storefront.web import Page

# The certification service keeps certificate PDFs of up to 10 MiB.
MAX_PDF_BYTES = 10 * 1024 * 1024


class FormError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


async def read_form(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    """The named fields of the posted form, "" for any left out."""
    data = await request.form()
    return {name: str(data.get(name) or "") for name in names}


async def pdf_upload(page: Page, upload: Any, not_a_pdf: str) -> Upload | None:
    """The chosen PDF, None when no file was chosen; FormError naming `file` when it is no PDF
    or too large. The gateway checks the file again; this keeps the typing of a form it refuses."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    content = await upload.read(MAX_PDF_BYTES + 1)
    if len(content) > MAX_PDF_BYTES:
        raise FormError("file", page._("The PDF is larger than {size} MB.", size=MAX_PDF_BYTES // (1024 * 1024)))
    if not content.startswith(b"%PDF-"):
        raise FormError("file", not_a_pdf)
    return Upload(filename=upload.filename, content=content, content_type="application/pdf")
