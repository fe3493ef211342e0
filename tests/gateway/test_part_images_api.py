"""Part images through the public API: a supplier uploads one as a GraphQL multipart request,
everyone sees `Part.images`, and the URLs answer with the picture, cacheable for good."""

from __future__ import annotations

import json
from typing import Any

from gateway.ids import global_id
from marketplace.roles import AccountRole
from tests.catalog.factories import photo_with_location
from tests.gateway.factories import Gateway
from tests.orders.factories import Stack

UPLOAD = """
mutation ($id: ID!, $file: Upload!) {
  uploadPartImage(partId: $id, file: $file) { id images { id url thumbnailUrl width height } }
}"""
PART = "query ($id: ID!) { part(id: $id) { images { url thumbnailUrl width height thumbnailWidth } } }"


def _upload(gw: Gateway, part_id: str, content: bytes, token: str, name: str) -> Any:
    operations = {"query": UPLOAD, "variables": {"id": part_id, "file": None}}
    return gw.gql.client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (name, content, "image/jpeg")},
        headers={"Authorization": f"Bearer {token}"},
    ).json()


def test_a_supplier_uploads_a_picture_and_every_caller_sees_it(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    supplier_id = orders_stack.supplier()
    supplier = gateway.account(AccountRole.SUPPLIER, supplier_id)
    part_id = global_id("Part", orders_stack.part(supplier_id)["id"])

    uploaded = _upload(gateway, part_id, photo_with_location(), supplier, "photo.jpg")
    assert "errors" not in uploaded, uploaded
    (image,) = uploaded["data"]["uploadPartImage"]["images"]
    assert (image["width"], image["height"]) == (640, 480)
    assert image["url"].startswith("http://testserver/images/") and image["url"].endswith(".webp")

    seen = gateway.ok(PART, {"id": part_id})["part"]["images"]
    assert seen == [{**{k: image[k] for k in ("url", "thumbnailUrl", "width", "height")}, "thumbnailWidth": 320}]
    picture = gateway.gql.client.get(image["url"].removeprefix("http://testserver"))
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/webp"
    assert picture.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = picture.headers["etag"]
    revalidated = gateway.gql.client.get(
        image["url"].removeprefix("http://testserver"), headers={"If-None-Match": etag}
    )
    assert revalidated.status_code == 304
    assert gateway.gql.client.get(f"/images/{'a' * 64}.webp").status_code == 404

    # A text file named .jpg: BAD_USER_INPUT naming the file, with the reason a page can word.
    fake = _upload(gateway, part_id, b"not a picture\n" * 40, supplier, "photo.jpg")
    (error,) = fake["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "file", "reason": "NOT_AN_IMAGE"}
    # Another supplier may not add pictures to this part.
    stranger = gateway.account(AccountRole.SUPPLIER, orders_stack.supplier())
    refused = _upload(gateway, part_id, photo_with_location(), stranger, "photo.jpg")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert len(gateway.ok(PART, {"id": part_id})["part"]["images"]) == 1
