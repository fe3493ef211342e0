"""Part images: decoded and re-encoded by Pillow, stored content-addressed by SHA-256.

What a supplier uploads is trusted for nothing: its name and Content-Type are ignored, Pillow
decides what the bytes are, and only JPEG, PNG and WebP are taken. The pixel count is read
from the header and refused past `max_pixels` before anything is decoded (a few kilobytes of
PNG can claim gigapixels). The picture is then turned upright by its EXIF orientation and
written again as WebP without any of the original's metadata (EXIF, GPS, XMP, ICC comments):
a photo from a phone carries where it was taken, which a listing must not publish.

Each image is kept in two sizes, the picture (at most FULL_EDGE pixels on its longer side)
and a thumbnail (at most THUMB_EDGE), each under `<first two hex digits>/<sha256>.webp` in the
service's object store (a directory by default, S3 when configured), where the hash is of the
re-encoded bytes; the same file is kept once however many parts show it, and a URL naming it
can be cached for good.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageOps, UnidentifiedImageError

from services.common.errors import BadInput, PayloadTooLarge
from services.common.objects import ObjectNotFound, ObjectStore, open_store

if TYPE_CHECKING:
    from services.catalog.settings import CatalogSettings

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MEDIA_TYPE = "image/webp"
SUFFIX = ".webp"
FULL_EDGE = 1600
THUMB_EDGE = 320
WEBP_QUALITY = 85
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
# 40 megapixels: more than any phone camera; decoding that needs about 160 MB.
DEFAULT_MAX_PIXELS = 40_000_000
MIN_EDGE = 16
NAME = re.compile(r"^[0-9a-f]{64}$")


class NotAnImage(BadInput):
    """422 naming `file`; `reason` says which refusal it is, so a page can word it in its language."""

    code, title = "NOT_AN_IMAGE", "Not an image"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="file", reason="NOT_AN_IMAGE")


class ImageTooLarge(PayloadTooLarge):
    code, title = "IMAGE_TOO_LARGE", "Image too large"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="file", reason="IMAGE_TOO_LARGE")


@dataclass(frozen=True, slots=True)
class Encoded:
    content: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    full: Encoded
    thumbnail: Encoded


def too_many_bytes(limit: int) -> ImageTooLarge:
    return ImageTooLarge(f"an image may be at most {limit // (1024 * 1024)} MB")


def process(
    content: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS
) -> ProcessedImage:
    """The upload decoded, checked and re-encoded; NotAnImage or ImageTooLarge naming `file`."""
    if len(content) > max_bytes:
        raise too_many_bytes(max_bytes)
    if not content:
        raise NotAnImage("the file is empty; choose a JPEG, PNG or WebP image")
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice its limit raises) on huge images; we check ourselves first.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as opened:
                if opened.format not in ACCEPTED_FORMATS:
                    raise NotAnImage("the file is not a JPEG, PNG or WebP image")
                width, height = opened.size
                if width * height > max_pixels:
                    raise ImageTooLarge(
                        f"an image may have at most {max_pixels // 1_000_000} megapixels; "
                        f"this one has {width} × {height}"
                    )
                if min(width, height) < MIN_EDGE:
                    raise NotAnImage(f"an image must be at least {MIN_EDGE} pixels on each side")
                opened.load()
                picture = ImageOps.exif_transpose(opened)
    except Image.DecompressionBombError:
        raise ImageTooLarge(f"an image may have at most {max_pixels // 1_000_000} megapixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise NotAnImage("the file is not a JPEG, PNG or WebP image") from None
    picture = picture.convert("RGBA" if _has_alpha(picture) else "RGB")
    return ProcessedImage(full=_encode(picture, FULL_EDGE), thumbnail=_encode(picture, THUMB_EDGE))


def _has_alpha(picture: Image.Image) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info)


def _encode(picture: Image.Image, edge: int) -> Encoded:
    """WebP of the picture fitted within edge × edge, with no metadata: a new image carries
    only pixels, so nothing of the upload's EXIF or XMP can follow it."""
    copy = picture.copy()
    copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    clean = Image.new(copy.mode, copy.size)
    clean.paste(copy)
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return Encoded(content=out.getvalue(), width=clean.width, height=clean.height)


class ImageStore:
    """Re-encoded images by SHA-256 in the service's object store (services/common/objects.py),
    under `<first two hex digits>/<sha256>.webp`; writing the same bytes twice keeps one."""

    def __init__(self, objects: ObjectStore) -> None:
        self.objects = objects

    @staticmethod
    def key_for(sha256: str) -> str:
        return f"{sha256[:2]}/{sha256}{SUFFIX}"

    def keep(self, image: Encoded) -> str:
        """Write the image, whole or not at all; its SHA-256. The key names the bytes, so
        writing it again (a retry, another part with the same picture) changes nothing."""
        sha256 = image.sha256
        self.objects.put(self.key_for(sha256), image.content)
        return sha256

    def read(self, name: str) -> bytes | None:
        """The bytes of the file named `<sha256>.webp`; None for any other name or a file not kept."""
        sha256 = name.removesuffix(SUFFIX)
        if not name.endswith(SUFFIX) or not NAME.match(sha256):
            return None
        try:
            return self.objects.get(self.key_for(sha256))
        except ObjectNotFound:
            return None


def open_image_store(settings: CatalogSettings) -> ImageStore:
    """The store the settings name: S3 at `images_url`, else files under `image_dir`."""
    objects = open_store(
        settings.images_url,
        settings.images_path,
        environment=settings.environment,
        what="part pictures",
        variable="TONGNAN_CATALOG_IMAGES_URL",
    )
    return ImageStore(objects)
