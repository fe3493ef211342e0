"""Part images: decoded by Pillow whatever the file says it is, re-encoded without metadata,
stored by SHA-256, refused with a 4xx naming `file` when they are no image or too large."""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Mapping
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from tests.catalog.factories import ANONYMOUS, create_part, create_supplier, photo_with_location, png, png_claiming
from tests.factories import as_supplier


def upload(
    client: TestClient, part_id: str, content: bytes, headers: Mapping[str, str], name: str = "photo.jpg"
) -> Any:
    return client.post(f"/parts/{part_id}/images", files={"file": (name, content, "image/jpeg")}, headers=headers)


def test_a_photo_is_reencoded_without_its_location_stored_by_hash_and_served_for_good(
    client: TestClient, supplier: dict[str, Any]
) -> None:
    part = create_part(client, supplier["id"])
    owner = as_supplier(supplier["id"])

    response = upload(client, part["id"], photo_with_location(), owner)
    assert response.status_code == 200, response.text
    (image,) = response.json()["images"]
    assert (image["width"], image["height"]) == (640, 480)
    assert (image["thumbnail_width"], image["thumbnail_height"]) == (320, 240)

    served = client.get(f"/images/{image['name']}", headers=ANONYMOUS)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    assert "immutable" in served.headers["cache-control"] and "max-age=31536000" in served.headers["cache-control"]
    assert image["name"] == f"{hashlib.sha256(served.content).hexdigest()}.webp"
    with Image.open(io.BytesIO(served.content)) as kept:
        assert kept.format == "WEBP" and kept.size == (640, 480)
        assert not kept.getexif() and "exif" not in kept.info and "xmp" not in kept.info
    assert b"PhoneMaker" not in served.content
    thumbnail = client.get(f"/images/{image['thumbnail_name']}", headers=ANONYMOUS)
    with Image.open(io.BytesIO(thumbnail.content)) as small:
        assert small.size == (320, 240)

    # The same photo again (a retried upload) adds nothing; another one comes after it.
    again = upload(client, part["id"], photo_with_location(), owner)
    assert [i["name"] for i in again.json()["images"]] == [image["name"]]
    second = upload(client, part["id"], png(), owner, name="side.png").json()["images"]
    assert second[0]["name"] == image["name"] and len(second) == 2
    # Listings carry the pictures too.
    listed = client.get("/parts/search", params={"supplier_id": supplier["id"]}, headers=ANONYMOUS).json()
    assert [i["name"] for i in listed["edges"][0]["node"]["images"]] == [i["name"] for i in second]

    # Taking one off leaves the other; taking it off again changes nothing.
    removed = client.delete(f"/parts/{part['id']}/images/{second[1]['id']}", headers=owner)
    assert [i["name"] for i in removed.json()["images"]] == [image["name"]]
    assert client.delete(f"/parts/{part['id']}/images/{second[1]['id']}", headers=owner).status_code == 200


def test_a_text_file_named_jpg_is_refused_naming_the_file(client: TestClient, supplier: dict[str, Any]) -> None:
    part = create_part(client, supplier["id"])
    response = upload(client, part["id"], b"this is not a picture at all\n" * 20, as_supplier(supplier["id"]))
    assert response.status_code == 422
    problem = response.json()
    assert (problem["field"], problem["reason"]) == ("file", "NOT_AN_IMAGE")
    assert "JPEG, PNG or WebP" in problem["detail"]
    # A GIF is an image, but not one we take.
    gif = io.BytesIO()
    Image.new("RGB", (40, 40)).save(gif, format="GIF")
    assert upload(client, part["id"], gif.getvalue(), as_supplier(supplier["id"])).json()["reason"] == "NOT_AN_IMAGE"
    assert client.get(f"/parts/{part['id']}", headers=ANONYMOUS).json()["images"] == []


def test_a_decompression_bomb_is_refused_before_it_is_decoded(client: TestClient, supplier: dict[str, Any]) -> None:
    part = create_part(client, supplier["id"])
    bomb = png_claiming(50_000, 50_000)  # 2.5 gigapixels in under a kilobyte
    assert len(bomb) < 2048
    started = time.monotonic()
    response = upload(client, part["id"], bomb, as_supplier(supplier["id"]), name="bomb.png")
    assert time.monotonic() - started < 2
    assert response.status_code == 413
    assert (response.json()["field"], response.json()["reason"]) == ("file", "IMAGE_TOO_LARGE")

    too_many_bytes = png() + b"\0" * (8 * 1024 * 1024)
    refused = upload(client, part["id"], too_many_bytes, as_supplier(supplier["id"]), name="big.png")
    assert refused.status_code == 413 and refused.json()["field"] == "file"
    assert client.get(f"/parts/{part['id']}", headers=ANONYMOUS).json()["images"] == []


def test_only_the_owner_adds_pictures_and_unknown_names_are_not_found(client: TestClient) -> None:
    owner, stranger = create_supplier(client), create_supplier(client)
    part = create_part(client, owner["id"])
    assert upload(client, part["id"], png(), as_supplier(stranger["id"])).status_code == 403
    assert upload(client, part["id"], png(), ANONYMOUS).status_code == 403
    assert client.get(f"/parts/{part['id']}", headers=ANONYMOUS).json()["images"] == []
    assert client.get("/images/../../etc/passwd", headers=ANONYMOUS).status_code == 404
    assert client.get(f"/images/{'0' * 64}.webp", headers=ANONYMOUS).status_code == 404
