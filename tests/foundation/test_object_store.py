"""The object store behind certificate PDFs and part pictures: the same behaviour on local files
and on S3 (moto's S3 server, spoken to over HTTP as AWS would be), and two replicas of a service
on one bucket serving each other's files while neither shares the other's disk."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer

from marketplace.roles import Role
from ops.stack import uvicorn_command
from services.catalog.settings import CatalogSettings
from services.certification.app import create_app as create_certification_app
from services.certification.settings import CertificationSettings
from services.common.objects import ObjectNotFound, ObjectStore, ObjectStoreUnavailable, open_store
from services.common.settings import ConfigurationError, load
from tests.catalog.factories import part_body, png, valid_uscc, verify_supplier
from tests.certification.factories import INSPECTOR, number_for, pdf_bytes, submit, upload
from tests.databases import Databases
from tests.factories import FreshHeaders, as_supplier
from tests.harness import free_port, free_ports, wait_for_port

REGION = "eu-central-1"
ANONYMOUS = FreshHeaders(Role.ANONYMOUS, "anonymous")
ADMIN = FreshHeaders(Role.ADMIN, "acct-admin")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port, for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def aws_environment(endpoint: str) -> dict[str, str]:
    """What an operator exports for an S3-compatible server without TLS (MinIO, moto)."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "test-access-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret-key",
        "AWS_ALLOW_HTTP": "true",
    }


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty bucket; this process's AWS_* variables point at moto."""
    for name, value in aws_environment(s3_endpoint).items():
        monkeypatch.setenv(name, value)
    name = f"tongnan-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test-access-key",
        aws_secret_access_key="test-secret-key",
    )


def keys_in(endpoint: str, bucket: str) -> set[str]:
    listed = s3_client(endpoint).list_objects_v2(Bucket=bucket)
    return {item["Key"] for item in listed.get("Contents", [])}


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return ObjectStore.local(tmp_path / "objects")
    bucket_name = request.getfixturevalue("bucket")
    return ObjectStore.s3(f"s3://{bucket_name}/documents")


# --- the store ------------------------------------------------------------------------------------


def test_put_get_head_list_and_delete(store: ObjectStore) -> None:
    content = b"%PDF-1.7 a certificate"
    key = f"{hashlib.sha256(content).hexdigest()[:2]}/{hashlib.sha256(content).hexdigest()}.pdf"
    assert not store.exists(key)

    store.put(key, content)
    store.put(key, content)  # a retried write of the same bytes changes nothing
    assert store.get(key) == content
    assert store.exists(key)
    info = store.head(key)
    assert (info.key, info.size) == (key, len(content))
    store.put("ff/other.pdf", b"another")
    assert {i.key for i in store.list()} == {key, "ff/other.pdf"}
    assert [i.key for i in store.list(key[:3])] == [key]

    store.delete(key)
    store.delete(key)  # already gone: no error, as a retried cleanup needs
    assert not store.exists(key)
    assert [i.key for i in store.list()] == ["ff/other.pdf"]


def test_a_missing_key_is_a_clear_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound) as missing:
        store.get("ab/" + "ab" * 32 + ".pdf")
    assert missing.value.key == "ab/" + "ab" * 32 + ".pdf"
    with pytest.raises(ObjectNotFound):
        store.head("nothing/here")


def test_a_local_file_is_uploaded_from_its_path(store: ObjectStore, tmp_path: Path) -> None:
    staged = tmp_path / "staged.pdf"
    staged.write_bytes(b"%PDF-1.7 " + bytes(range(256)) * 4096)  # 1 MiB, binary
    store.put("ab/staged.pdf", staged)
    assert store.get("ab/staged.pdf") == staged.read_bytes()


async def test_the_async_variants_do_the_same(store: ObjectStore) -> None:
    await store.put_async("cd/async.webp", b"RIFF picture")
    assert await store.get_async("cd/async.webp") == b"RIFF picture"
    assert (await store.head_async("cd/async.webp")).size == len(b"RIFF picture")
    assert [i.key async for i in store.list_async("cd/")] == ["cd/async.webp"]
    await store.delete_async("cd/async.webp")
    await store.delete_async("cd/async.webp")
    assert not await store.exists_async("cd/async.webp")
    with pytest.raises(ObjectNotFound):
        await store.get_async("cd/async.webp")


def test_local_objects_are_the_files_the_services_always_wrote(tmp_path: Path) -> None:
    """Existing data keeps working: a key is a path under the directory, and back."""
    old = tmp_path / "documents" / "ab" / ("ab" * 32 + ".pdf")
    old.parent.mkdir(parents=True)
    old.write_bytes(b"%PDF-1.4 written before the object store")
    store = ObjectStore.local(tmp_path / "documents")
    assert store.get(f"ab/{'ab' * 32}.pdf") == b"%PDF-1.4 written before the object store"
    store.put("cd/new.pdf", b"new")
    assert (tmp_path / "documents" / "cd" / "new.pdf").read_bytes() == b"new"


def test_an_unreachable_s3_is_a_503_for_the_caller_to_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in aws_environment(f"http://127.0.0.1:{free_port()}").items():
        monkeypatch.setenv(name, value)
    store = ObjectStore.s3("s3://tongnan-nowhere/documents")
    with pytest.raises(ObjectStoreUnavailable) as down:
        store.put("ab/x.pdf", b"x")
    assert down.value.status == 503 and "unavailable" in down.value.detail
    assert "127.0.0.1" not in down.value.detail  # our endpoint is nobody's business


@pytest.mark.parametrize(
    ("settings_class", "variable", "field"),
    [
        (CertificationSettings, "TONGNAN_CERTIFICATION_DOCUMENTS_URL", "documents_url"),
        (CatalogSettings, "TONGNAN_CATALOG_IMAGES_URL", "images_url"),
    ],
)
def test_a_store_url_that_is_not_s3_is_refused_in_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
    settings_class: type[CertificationSettings | CatalogSettings],
    variable: str,
    field: str,
) -> None:
    for wrong in ("/srv/documents", "https://tongnan-documents.example/x", "s3:///no-bucket"):
        monkeypatch.setenv(variable, wrong)
        with pytest.raises(ConfigurationError) as refused:
            load(settings_class)
        assert str(refused.value).startswith(f"{variable}: must be an s3://bucket/prefix URL"), refused.value
    monkeypatch.setenv(variable, "s3://tongnan-documents/certification")
    assert getattr(load(settings_class), field) == "s3://tongnan-documents/certification"


def test_production_on_local_files_warns_once_naming_the_variable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="services.common.objects")
    variable = "TONGNAN_CATALOG_IMAGES_URL"
    open_store(None, tmp_path / "images", environment="development", what="part pictures", variable=variable)
    assert not caplog.records
    open_store(None, tmp_path / "images", environment="production", what="part pictures", variable=variable)
    [warning] = caplog.records
    assert warning.levelno == logging.WARNING and variable in warning.getMessage()


# --- two replicas on one bucket ------------------------------------------------------------------


def start_replicas(factory: str, environment: dict[str, str], var_dirs: list[Path]) -> tuple[list[str], list[Any]]:
    """One process per directory, each with a var dir of its own: they share no disk."""
    ports = free_ports(len(var_dirs))
    processes = [
        subprocess.Popen(
            uvicorn_command(factory, "127.0.0.1", port, quiet=True),
            env={**environment, "TONGNAN_VAR_DIR": str(var_dir)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port, var_dir in zip(ports, var_dirs, strict=True)
    ]
    return [f"http://127.0.0.1:{port}" for port in ports], processes


def stop(processes: list[Any]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=20)


def base_environment(s3_endpoint: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "TONGNAN_ENVIRONMENT": "development", **aws_environment(s3_endpoint)}


@pytest.fixture
def two_certification_replicas(
    databases: Databases, s3_endpoint: str, bucket: str, tmp_path: Path
) -> Iterator[list[str]]:
    environment = base_environment(s3_endpoint) | {
        "TONGNAN_CERTIFICATION_DATABASE_URL": databases.migrated("certification"),
        "TONGNAN_CERTIFICATION_DOCUMENTS_URL": f"s3://{bucket}/certification-documents",
        "TONGNAN_CERTIFICATION_REPLACED_DOCUMENT_RETENTION_DAYS": "0",
        "TONGNAN_CERTIFICATION_VERIFY_BURST": "1000",
    }
    urls, processes = start_replicas(
        "services.certification.app:create_app", environment, [tmp_path / "first", tmp_path / "second"]
    )
    try:
        for url in urls:
            wait_for_port(int(url.rsplit(":", 1)[1]), timeout=60)
        yield urls
    finally:
        stop(processes)


def test_two_certification_processes_serve_the_same_pdf_from_one_bucket(
    two_certification_replicas: list[str], s3_endpoint: str, bucket: str, tmp_path: Path
) -> None:
    first_url, second_url = two_certification_replicas
    holder = uuid.uuid4()
    document = pdf_bytes("ECE R90 approval, brake pads")
    digest = hashlib.sha256(document).hexdigest()
    with httpx.Client(base_url=first_url, timeout=20) as first, httpx.Client(base_url=second_url, timeout=20) as second:
        number = number_for("ECE_R90")
        certificate = submit(first, holder, number=number)
        uploaded = upload(first, certificate["id"], document, as_supplier(holder))
        assert uploaded["document"]["sha256"] == digest
        assert keys_in(s3_endpoint, bucket) == {f"certification-documents/{digest[:2]}/{digest}.pdf"}

        # The other replica, which never saw the upload, serves the same bytes.
        served = second.get(f"/certificates/{certificate['id']}/document", headers=as_supplier(holder))
        assert served.status_code == 200, served.text
        assert served.headers["content-type"] == "application/pdf"
        assert served.content == document
        assert f"certificate-{certificate['id']}.pdf" in served.headers["content-disposition"]

        # Approved through the other one, and publicly verified there: the PDF someone holds is
        # the one on record, a different one is not.
        approved = second.post(f"/certificates/{certificate['id']}/approve", json={}, headers=INSPECTOR)
        assert approved.status_code == 200, approved.text
        for content, matches in ((document, True), (pdf_bytes("a forgery"), False)):
            verified = second.post(
                "/verify/document",
                data={"scheme": "ECE_R90", "number": number},
                files={"file": ("certificate.pdf", content, "application/pdf")},
                headers=ANONYMOUS,
            )
            assert verified.status_code == 200, verified.text
            assert (verified.json()["status"], verified.json()["matches"]) == ("VALID", matches)

        # An inspector replaces it through the second; the cleanup run on the first deletes the old
        # object from the bucket, and the new one is served by both.
        replacement = pdf_bytes("ECE R90 approval, corrected scan")
        new_digest = hashlib.sha256(replacement).hexdigest()
        upload(second, certificate["id"], replacement, INSPECTOR)
        purged = first.post("/documents/purge", headers=ADMIN)
        assert purged.status_code == 200 and purged.json()["deleted_files"] == 1, purged.text
        assert keys_in(s3_endpoint, bucket) == {f"certification-documents/{new_digest[:2]}/{new_digest}.pdf"}
        for client in (first, second):
            again = client.get(f"/certificates/{certificate['id']}/document", headers=INSPECTOR)
            assert again.content == replacement

        # An object lost from the bucket is a 404 naming the document, not a 500.
        s3_client(s3_endpoint).delete_object(
            Bucket=bucket, Key=f"certification-documents/{new_digest[:2]}/{new_digest}.pdf"
        )
        lost = first.get(f"/certificates/{certificate['id']}/document", headers=INSPECTOR)
        assert lost.status_code == 404, lost.text
        assert (lost.json()["code"], lost.json()["field"]) == ("NOT_FOUND", "document")

    # Neither process kept a copy on its own disk.
    assert not list(tmp_path.rglob("*.pdf"))


@pytest.fixture
def two_catalog_replicas(databases: Databases, s3_endpoint: str, bucket: str, tmp_path: Path) -> Iterator[list[str]]:
    environment = base_environment(s3_endpoint) | {
        "TONGNAN_CATALOG_DATABASE_URL": databases.migrated("catalog"),
        "TONGNAN_CATALOG_IMAGES_URL": f"s3://{bucket}/catalog-images",
    }
    urls, processes = start_replicas("services.catalog.app:create_app", environment, [tmp_path / "a", tmp_path / "b"])
    try:
        for url in urls:
            wait_for_port(int(url.rsplit(":", 1)[1]), timeout=60)
        yield urls
    finally:
        stop(processes)


def test_two_catalog_processes_serve_the_same_picture_from_one_bucket(
    two_catalog_replicas: list[str], s3_endpoint: str, bucket: str, tmp_path: Path
) -> None:
    first_url, second_url = two_catalog_replicas
    serial = uuid.uuid4().int % 10**7
    with httpx.Client(base_url=first_url, timeout=20) as first, httpx.Client(base_url=second_url, timeout=20) as second:
        uscc = valid_uscc()
        created = first.post(
            "/suppliers",
            json={
                "name_en": f"Chongqing Tongnan Replica {serial} Co., Ltd.",
                "name_zh": f"重庆潼南副本{serial}有限公司",
                "uscc": uscc,
                "address": "Tongnan District, Chongqing",
            },
            headers=ADMIN,
        )
        assert created.status_code == 201, created.text
        verify_supplier(first, created.json()["id"], uscc)
        owner = as_supplier(created.json()["id"])
        part = first.post("/parts", json=part_body(sku=f"REPLICA-{serial}"), headers=owner)
        assert part.status_code == 201, part.text
        added = first.post(
            f"/parts/{part.json()['id']}/images",
            files={"file": ("side.png", png(), "image/png")},
            headers=owner,
        )
        assert added.status_code == 200, added.text
        [image] = added.json()["images"]
        assert keys_in(s3_endpoint, bucket) == {
            f"catalog-images/{name[:2]}/{name}" for name in (image["name"], image["thumbnail_name"])
        }

        for name in (image["name"], image["thumbnail_name"]):
            served = second.get(f"/images/{name}", headers=ANONYMOUS)
            assert served.status_code == 200, served.text
            assert served.headers["content-type"] == "image/webp"
            assert "immutable" in served.headers["cache-control"]
            assert f"{hashlib.sha256(served.content).hexdigest()}.webp" == name
        missing = second.get(f"/images/{'0' * 64}.webp", headers=ANONYMOUS)
        assert (missing.status_code, missing.json()["field"]) == (404, "name")

    assert not list(tmp_path.rglob("*.webp"))


def test_an_aws_variable_set_but_empty_is_refused_before_obstore_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """obstore would take an empty AWS_ENDPOINT_URL_S3 as an endpoint and abort the process."""
    monkeypatch.setenv("TONGNAN_CERTIFICATION_DOCUMENTS_URL", "s3://tongnan-documents/certification")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "")
    with pytest.raises(ConfigurationError) as refused:
        load(CertificationSettings)
    assert str(refused.value) == (
        "TONGNAN_CERTIFICATION_DOCUMENTS_URL: S3 is configured but AWS_ENDPOINT_URL_S3 is set and empty: "
        "give it a value or unset it"
    )
    monkeypatch.delenv("TONGNAN_CERTIFICATION_DOCUMENTS_URL")
    assert load(CertificationSettings).documents_url is None  # local files read no AWS_* variable


def test_an_upload_while_s3_is_down_is_a_503_and_leaves_no_document_on_record(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in aws_environment(f"http://127.0.0.1:{free_port()}").items():
        monkeypatch.setenv(name, value)
    settings = CertificationSettings(
        database_url=databases.migrated("certification"), documents_url="s3://tongnan-unreachable/documents"
    )
    holder = uuid.uuid4()
    with TestClient(create_certification_app(settings)) as client:
        certificate = submit(client, holder)
        refused = client.post(
            f"/certificates/{certificate['id']}/document",
            files={"file": ("certificate.pdf", pdf_bytes("scan"), "application/pdf")},
            headers=as_supplier(holder),
        )
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "UPSTREAM_UNAVAILABLE"
        # The certificate names no file the store never got; the supplier may simply send it again.
        after = client.get(f"/certificates/{certificate['id']}", headers=as_supplier(holder)).json()
        assert after["document"] is None
        history = client.get(f"/certificates/{certificate['id']}/history", headers=INSPECTOR).json()
        assert "DOCUMENT_UPLOADED" not in [event["action"] for event in history]
