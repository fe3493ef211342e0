from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from services.catalog.images import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS
from services.common.objects import check_store_url
from services.common.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TONGNAN_CATALOG_", extra="ignore")

    service_name: ClassVar[str] = "catalog"
    default_port: ClassVar[int] = 8001

    # Where part images are kept, content-addressed by SHA-256: in S3 under this
    # s3://bucket/prefix URL when set (every replica then serves every picture), else in
    # image_dir, default <var_dir>/catalog-images.
    images_url: str | None = None
    image_dir: Path | None = None
    max_image_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=64 * 1024)
    # Refused before decoding: a small file may claim a huge canvas (a decompression bomb).
    max_image_pixels: int = Field(default=DEFAULT_MAX_PIXELS, ge=1_000_000)
    max_images_per_part: int = Field(default=8, ge=1, le=50)
    # Suppliers' business licences (PDF), content-addressed by SHA-256, like the pictures: in S3
    # under this s3://bucket/prefix URL when set, else in licence_dir, default <var_dir>/catalog-licences.
    licences_url: str | None = None
    licence_dir: Path | None = None
    max_licence_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # How long the make, model and year selectors' answers are kept per process
    # (vehicles.selector_key): a new make shows in the selector within this; 0 keeps nothing.
    selector_cache_seconds: float = Field(default=60.0, ge=0)
    # How long a search's facet counts are kept per process (search/query.py): the next pages
    # of a search, and the same search by the next buyer, count nothing again; 0 keeps nothing.
    facet_cache_seconds: float = Field(default=60.0, ge=0)
    # How long a search word's posting count, and the number of documents, are kept per process
    # (search/query.py, WordCounts): they weigh the words and choose the one that drives; results
    # are always read afresh. 0 counts them on every search.
    word_count_cache_seconds: float = Field(default=60.0, ge=0)

    @field_validator("images_url", "licences_url")
    @classmethod
    def _s3_url(cls, value: str | None) -> str | None:
        return check_store_url(value) if value else None

    @model_validator(mode="after")
    def _image_dir_default(self) -> CatalogSettings:
        if self.image_dir is None:
            self.image_dir = self.var_dir / "catalog-images"
        if self.licence_dir is None:
            self.licence_dir = self.var_dir / "catalog-licences"
        return self

    @property
    def images_path(self) -> Path:
        assert self.image_dir is not None  # filled by the validator
        return self.image_dir

    @property
    def licences_path(self) -> Path:
        assert self.licence_dir is not None  # filled by the validator
        return self.licence_dir
