"""PDF documents a service keeps (the certification service's certificates, the catalog's
business licences): PDF only, size-capped, checked for active content, stored
content-addressed by SHA-256.

A file is kept once under `<first two hex digits>/<sha256>.pdf` in the service's object store
(services/common/objects.py: a directory by default, S3 when configured) however many records
name it. Anyone holding
a copy can prove it is the document on record by hashing it; the stored file is never needed
for that.

What an inspector or an admin opens must not act on their machine, so a PDF that would run or open
something by itself is refused, not cleaned: JavaScript (`/JS`, the `/JavaScript` name
tree), additional actions (`/AA`), an action run on opening (`/OpenAction` as an action),
link actions other than going to a page or a web address (`/Launch`, `/SubmitForm`,
`/GoToR`, ...), embedded files, XFA forms and rich media. Refusing keeps the file on record
byte for byte the supplier's (a cleaned copy would no longer match the supplier's hash), and a
certificate needs none of these: printing it to PDF again removes them.

Compressed streams are counted before anything parses them: every Flate stream is inflated
in steps of at most INFLATE_STEP bytes, the output thrown away, and the file refused once the
total passes `max_inflated_bytes`; pypdf's own per-stream limits are lowered for the parse.
A few kilobytes that inflate to gigabytes are refused in well under a second and a few
megabytes of memory.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pypdf import PdfReader, apply_configuration, get_configuration
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from services.common.errors import BadInput, PayloadTooLarge
from services.common.objects import ObjectStore

CHUNK = 1024 * 1024
PDF_MAGIC = b"%PDF-"
# What a PDF's compressed streams may inflate to in all; certificates are text and a scan or two.
DEFAULT_MAX_INFLATED_BYTES = 256 * 1024 * 1024
INFLATE_STEP = 1024 * 1024
# pypdf inflates the streams that hold the structure (object and cross-reference streams) to
# parse it; none of a certificate's comes near this.
PARSER_STREAM_LIMIT = 64 * 1024 * 1024
# Link actions that only move within the document or open a web address in the reader's browser.
HARMLESS_ACTIONS = frozenset({"/GoTo", "/URI"})
FLATE = frozenset({"/FlateDecode", "/Fl"})


class UnsafeDocument(BadInput):
    code, title = "UNSAFE_DOCUMENT", "Unsafe document"


@dataclass(frozen=True, slots=True)
class StoredDocument:
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class StagedDocument:
    """A received and checked PDF in a local temporary file, not yet kept."""

    path: Path
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


# --- what a PDF holds ---------------------------------------------------------------------------


def inflated_size(data: bytes, budget: int) -> int:
    """What a Flate stream inflates to, counted step by step and given up past `budget`. A
    damaged stream counts what inflated before the damage."""
    inflater = zlib.decompressobj()
    total = 0
    pending = data
    try:
        while not inflater.eof:
            out = inflater.decompress(pending, INFLATE_STEP)
            total += len(out)
            if total > budget:
                break
            pending = inflater.unconsumed_tail
            if not out and not pending:
                break
    except zlib.error:
        pass
    return total


def _filters(stream: StreamObject) -> list[str]:
    value = stream.get("/Filter")
    if isinstance(value, ArrayObject):
        return [str(v) for v in value]
    return [str(value)] if value is not None else []


def _check_inflated_total(reader: PdfReader, budget: int) -> None:
    """UnsafeDocument when the file's Flate streams inflate past `budget` bytes in all."""
    remaining = budget
    for generation, numbers in reader.xref.items():
        for number in numbers:
            stream = reader.get_object(IndirectObject(number, generation, reader))
            if not isinstance(stream, StreamObject):
                continue
            filters = _filters(stream)
            if not filters or filters[0] not in FLATE:
                continue
            # The raw, still compressed bytes: pypdf keeps them until someone asks to decode.
            remaining -= inflated_size(stream._data, remaining)
            if remaining < 0:
                raise UnsafeDocument(f"the PDF's compressed content unpacks to more than {budget} bytes", field="file")


def _resolved(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _entry(node: DictionaryObject, key: str) -> Any:
    return _resolved(dict.get(node, key))


def _action_types(value: Any) -> Iterator[str]:
    value = _resolved(value)
    if isinstance(value, ArrayObject):  # /Next may list several actions
        for item in list.__iter__(value):
            yield from _action_types(item)
    elif isinstance(value, DictionaryObject):
        yield str(_entry(value, "/S"))


def _active_content_of(node: DictionaryObject) -> str | None:
    """What this dictionary would make a reader run or open, in words, or None."""
    if "/JS" in node or "/JavaScript" in node:
        return "JavaScript"
    if "/AA" in node:
        return "additional actions (/AA)"
    if isinstance(_entry(node, "/OpenAction"), DictionaryObject):  # a destination (a page to show) is harmless
        return "an action run when it opens (/OpenAction)"
    if "/EmbeddedFiles" in node or "/EF" in node or _entry(node, "/Type") == "/EmbeddedFile":
        return "embedded files"
    if "/XFA" in node:
        return "an XFA form"
    if _entry(node, "/Subtype") == "/RichMedia":
        return "rich media"
    actions = [*_action_types(dict.get(node, "/A")), *_action_types(dict.get(node, "/Next"))]
    if _entry(node, "/Type") == "/Action":
        actions.append(str(_entry(node, "/S")))
    refused = next((a for a in actions if a not in HARMLESS_ACTIONS), None)
    return f"an action of type {refused.lstrip('/')}" if refused else None


def _active_content(reader: PdfReader) -> str | None:
    """Everything reachable from the trailer, each indirect object once."""
    seen: set[tuple[int, int]] = set()
    pending: list[Any] = [reader.trailer]
    while pending:
        node = pending.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        if isinstance(node, DictionaryObject):  # streams too: their dictionary
            found = _active_content_of(node)
            if found:
                return found
            pending.extend(dict.values(node))
        elif isinstance(node, ArrayObject):
            pending.extend(list.__iter__(node))
    return None


def check_pdf(path: Path, *, max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES) -> None:
    """BadInput naming `file` unless the file is a readable PDF with a page, and
    UnsafeDocument (also naming `file`) when it holds active content or a decompression bomb."""
    with path.open("rb") as handle:
        if handle.read(len(PDF_MAGIC)) != PDF_MAGIC:
            raise BadInput("the document must be a PDF file", field="file")
    limit = min(PARSER_STREAM_LIMIT, max_inflated_bytes)
    limits = {
        name: limit
        for name in (
            "zlib_maximum_output_length", "lzw_maximum_output_length", "run_length_maximum_output_length",
            "brotli_maximum_output_length", "jbig2_maximum_output_length",
            "array_based_stream_maximum_output_length", "maximum_declared_stream_length",
        )
    }  # fmt: skip
    try:
        with apply_configuration(get_configuration().with_overwrites(**limits)):
            reader = PdfReader(path, strict=False)
            if reader.is_encrypted:
                raise BadInput("the PDF is encrypted; upload it without a password", field="file")
            _check_inflated_total(reader, max_inflated_bytes)
            found = _active_content(reader)
            pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError):
        raise BadInput("the document is not a readable PDF", field="file") from None
    if found:
        raise UnsafeDocument(
            f"the PDF contains {found}; upload the certificate without it (printing it to PDF again removes it)",
            field="file",
        )
    if pages < 1:
        raise BadInput("the PDF has no pages", field="file")


# --- the store ------------------------------------------------------------------------------------


class DocumentStore:
    """Checked PDFs in the service's object store (services/common/objects.py), one object per
    SHA-256 under `<first two hex digits>/<sha256>.pdf`."""

    def __init__(
        self, objects: ObjectStore, *, max_bytes: int, max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES
    ) -> None:
        self.objects = objects
        self.max_bytes = max_bytes
        self.max_inflated_bytes = max_inflated_bytes

    @staticmethod
    def key_for(sha256: str) -> str:
        return f"{sha256[:2]}/{sha256}.pdf"

    def receive(self, stream: BinaryIO) -> StagedDocument:
        """Read, hash and check a PDF into a local temporary file (pypdf parses a file, and the
        store may be S3); nothing is kept yet."""
        fd, tmp_name = tempfile.mkstemp(prefix="tongnan-upload-", suffix=".pdf.tmp")
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
            check_pdf(tmp, max_inflated_bytes=self.max_inflated_bytes)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StagedDocument(path=tmp, sha256=digest.hexdigest(), size=size)

    def keep(self, staged: StagedDocument) -> StoredDocument:
        """Put a staged PDF in its place, whole or not at all. Always written, even when the same
        bytes are there: a copy that a cleanup is removing at this moment is put back."""
        self.objects.put(self.key_for(staged.sha256), staged.path)
        return StoredDocument(sha256=staged.sha256, size=staged.size)

    @contextmanager
    def staging(self, stream: BinaryIO) -> Iterator[StagedDocument]:
        """A received PDF for the caller to `keep`; its temporary file goes whatever happens."""
        staged = self.receive(stream)
        try:
            yield staged
        finally:
            staged.path.unlink(missing_ok=True)

    def put(self, stream: BinaryIO) -> StoredDocument:
        """Check and keep a PDF; the same bytes stored twice are one object."""
        with self.staging(stream) as staged:
            return self.keep(staged)

    def remove(self, sha256: str) -> None:
        """Delete a stored document; one already gone is no error."""
        self.objects.delete(self.key_for(sha256))

    def read(self, sha256: str) -> bytes:
        """The stored bytes; ObjectNotFound when none are kept under this hash."""
        return self.objects.get(self.key_for(sha256))

    def exists(self, sha256: str) -> bool:
        return self.objects.exists(self.key_for(sha256))
