"""Where the services keep files: certificate PDFs, part pictures.

One interface over two kinds of store, both from obstore:

- local files (the default): a directory, the same one the services have always written to,
  so existing files are read as they were;
- S3, when a service is given an `s3://bucket/prefix` URL: every replica of the service reads
  what any other wrote, wherever it runs. Any server that speaks S3's API works (MinIO, R2,
  Ceph; moto's server in the tests).

S3's endpoint, region and credentials come from the standard AWS variables, read by obstore
itself: AWS_ENDPOINT_URL (not needed for AWS), AWS_REGION, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (or the pod's or instance's role), AWS_SESSION_TOKEN, and AWS_ALLOW_HTTP
for an endpoint without TLS.

Callers name their objects by content (`ab/<sha256>.pdf`), so one key always holds the same
bytes: writing it again changes nothing, and every write is safe to retry. A write is whole or
absent, never half there: obstore writes a local file beside its place and renames it, and S3
shows an object only once it is complete.

A key that holds nothing raises ObjectNotFound, for the route serving it to answer 404; a store
that does not answer raises ObjectStoreUnavailable, a 503 for the caller to retry.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import obstore
from obstore.exceptions import BaseError as ObstoreError
from obstore.store import LocalStore, S3Store

from services.common.errors import UpstreamUnavailable

if TYPE_CHECKING:
    from obstore.store import RetryConfig

log = logging.getLogger(__name__)

S3_SCHEMES = frozenset({"s3", "s3a"})
# A request inside a web request must fail in seconds, not after obstore's default 3 minutes
# of retries: the caller's own retry (an upload sent again) is the better one.
RETRIES: RetryConfig = {"max_retries": 3, "retry_timeout": timedelta(seconds=15)}


class ObjectNotFound(LookupError):
    """Nothing is stored under the key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no object stored under {key!r}")
        self.key = key


class ObjectStoreUnavailable(UpstreamUnavailable):
    """The store did not answer, or refused us (credentials, a missing directory): a 503."""


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    last_modified: datetime


def check_store_url(url: str) -> str:
    """The URL if it names an S3 bucket (`s3://bucket` or `s3://bucket/prefix`), else ValueError
    saying what is expected, for the setting's one-line refusal."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in S3_SCHEMES or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"must be an s3://bucket/prefix URL, not {url!r}")
    # obstore takes an AWS_* variable that is set but empty as a value (an empty endpoint makes
    # it abort the process on the first request), as a `${AWS_REGION:-}` in a compose file gives.
    empty = sorted(name for name, value in os.environ.items() if name.startswith("AWS_") and not value.strip())
    if empty:
        raise ValueError(f"S3 is configured but {empty[0]} is set and empty: give it a value or unset it")
    return url


@contextmanager
def _translated(key: str) -> Iterator[None]:
    """obstore's errors as ours; never the store's own message, which names our endpoint."""
    try:
        yield
    except FileNotFoundError:  # obstore's NotFoundError is one
        raise ObjectNotFound(key) from None
    except (ObstoreError, OSError) as exc:
        log.warning("object store failed on %s: %s", key, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise ObjectStoreUnavailable("the file store is unavailable; try again shortly") from exc


def _info(meta: Any) -> ObjectInfo:
    return ObjectInfo(key=meta["path"], size=meta["size"], last_modified=meta["last_modified"])


class ObjectStore:
    """Bytes by key in a local directory or an S3 bucket; see the module's docstring."""

    def __init__(self, backend: LocalStore | S3Store, *, location: str) -> None:
        self._backend = backend
        # Where the objects are, for logs and the operator: a directory or an s3:// URL.
        self.location = location

    @classmethod
    def local(cls, directory: Path) -> ObjectStore:
        """Files under `directory`, created if missing."""
        directory.mkdir(parents=True, exist_ok=True)
        return cls(LocalStore(directory.resolve()), location=str(directory))

    @classmethod
    def s3(cls, url: str) -> ObjectStore:
        """Objects under the URL's prefix in its bucket; endpoint and credentials from AWS_*."""
        check_store_url(url)
        return cls(S3Store.from_url(url, retry_config=RETRIES), location=url)

    @property
    def is_local(self) -> bool:
        return isinstance(self._backend, LocalStore)

    def __repr__(self) -> str:
        return f"ObjectStore({self.location!r})"

    # --- in sync code (the services' routes run in the thread pool) -----------------------------

    def put(self, key: str, content: bytes | Path) -> None:
        """Store the bytes (or a local file's) under the key, replacing what was there."""
        with _translated(key):
            obstore.put(self._backend, key, content, mode="overwrite")

    def get(self, key: str) -> bytes:
        with _translated(key):
            return obstore.get(self._backend, key).bytes().to_bytes()

    def head(self, key: str) -> ObjectInfo:
        with _translated(key):
            return _info(obstore.head(self._backend, key))

    def exists(self, key: str) -> bool:
        try:
            self.head(key)
        except ObjectNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        """Remove the object; one already gone is no error (S3 does not tell them apart)."""
        try:
            with _translated(key):
                obstore.delete(self._backend, key)
        except ObjectNotFound:
            pass

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with `prefix` (a folder: `ab/`), in no promised order."""
        with _translated(prefix):
            for batch in obstore.list(self._backend, prefix or None):
                for meta in batch:
                    yield _info(meta)

    # --- in async code --------------------------------------------------------------------------

    async def put_async(self, key: str, content: bytes | Path) -> None:
        with _translated(key):
            await obstore.put_async(self._backend, key, content, mode="overwrite")

    async def get_async(self, key: str) -> bytes:
        with _translated(key):
            result = await obstore.get_async(self._backend, key)
            return (await result.bytes_async()).to_bytes()

    async def head_async(self, key: str) -> ObjectInfo:
        with _translated(key):
            return _info(await obstore.head_async(self._backend, key))

    async def exists_async(self, key: str) -> bool:
        try:
            await self.head_async(key)
        except ObjectNotFound:
            return False
        return True

    async def delete_async(self, key: str) -> None:
        try:
            with _translated(key):
                await obstore.delete_async(self._backend, key)
        except ObjectNotFound:
            pass

    async def list_async(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        with _translated(prefix):
            async for batch in obstore.list(self._backend, prefix or None):
                for meta in batch:
                    yield _info(meta)


def open_store(url: str | None, directory: Path, *, environment: str, what: str, variable: str) -> ObjectStore:
    """S3 when `url` is set, else files under `directory`.

    Production may keep files locally (one host running every replica, as compose does, or a
    volume every pod mounts), but a replica elsewhere would not see them, so it says so once at
    start-up, naming the variable that moves them to S3."""
    if url:
        return ObjectStore.s3(url)
    store = ObjectStore.local(directory)
    if environment == "production":
        log.warning(
            "%s are kept on local disk at %s: every replica must mount this directory; "
            "set %s=s3://bucket/prefix to keep them in S3",
            what,
            directory,
            variable,
        )
    return store
