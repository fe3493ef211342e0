"""Certification settings: where documents go, and limits that cannot be nonsense."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.certification.settings import CertificationSettings


def test_documents_default_under_the_var_dir_and_can_be_moved(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGNAN_VAR_DIR", "/srv/tongnan")
    assert CertificationSettings().documents_path == Path("/srv/tongnan/certification-documents")
    monkeypatch.setenv("TONGNAN_CERTIFICATION_DOCUMENT_DIR", "/mnt/certs")
    assert CertificationSettings().documents_path == Path("/mnt/certs")
    assert CertificationSettings().max_document_bytes == 10 * 1024 * 1024


def test_limits_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGNAN_CERTIFICATION_VERIFY_BURST", "0")
    with pytest.raises(ValidationError):
        CertificationSettings()
