"""Certificate documents: PDF only, size-capped, stored content-addressed by SHA-256.

A file is kept once under `<root>/<first two hex digits>/<sha256>.pdf` however many
certificates name it. Anyone holding a copy can prove it is the document on record by
hashing it; the stored file is never needed for that.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from services.common.errors import BadInput, PayloadTooLarge

CHUNK = 1024 * 1024
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True, slots=True)
class StoredDocument:
    sha256: str
    size: int


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"a certificate document may be at most {limit} bytes", field="file")


def hash_stream(stream: BinaryIO, *, limit: int) -> tuple[str, int]:
    """SHA-256 and size of a stream, refusing more than `limit` bytes."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        digest.update(chunk)
    return digest.hexdigest(), size


def check_pdf(path: Path) -> None:
    """BadInput naming `file` unless the file starts like a PDF and parses as one with a page."""
    with path.open("rb") as handle:
        if handle.read(len(PDF_MAGIC)) != PDF_MAGIC:
            raise BadInput("the document must be a PDF file", field="file")
    try:
        pages = len(PdfReader(path, strict=False).pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        raise BadInput("the document is not a readable PDF", field="file") from None
    if pages < 1:
        raise BadInput("the PDF has no pages", field="file")


class DocumentStore:
    def __init__(self, root: Path, *, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.pdf"

    def put(self, stream: BinaryIO) -> StoredDocument:
        """Check and keep a PDF; the same bytes stored twice are one file."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise _too_large(self.max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
            if size == 0:
                raise BadInput("the document is empty", field="file")
            check_pdf(tmp)
            sha256 = digest.hexdigest()
            final = self.path_for(sha256)
            if final.exists():
                tmp.unlink()
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)  # atomic: a reader never sees half a file
            return StoredDocument(sha256=sha256, size=size)
        finally:
            tmp.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        return self.path_for(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()
