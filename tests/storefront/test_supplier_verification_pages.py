"""The supplier portal's verification page and the CSV template download, over the real API
in-process, without a browser (the office review is in tests/e2e/test_office_suppliers.py)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.catalog.factories import licence_pdf
from tests.gateway.factories import VERIFY_SUPPLIER, Stack
from tests.storefront.factories import register_supplier, sign_in, sku_prefix

OWN = "{ viewer { account { supplier { id verification { uscc } } } } }"


def test_a_supplier_applies_is_refused_listing_until_verified_and_sees_a_rejection(
    storefront: TestClient, stack: Stack
) -> None:
    account = register_supplier(stack, verified=False)
    sign_in(storefront, account)
    own = stack.gql(OWN, token=account["token"])["data"]["viewer"]["account"]["supplier"]
    page = storefront.get("/supplier/verification")
    assert page.status_code == 200 and 'lang="zh-Hans"' in page.text
    assert "尚未申请" in page.text and 'id="verify-company"' in page.text
    assert f'value="{own["verification"]["uscc"]}"' in page.text  # as registered

    # Listing is refused, in the page's language, naming why.
    # A water pump: the checkout tests pick the demo's alternators from the search.
    part = {"sku": f"{sku_prefix()}-V", "title_en": "Water pump", "category": "water_pump"}
    part |= {"condition": "REMANUFACTURED", "price_cny": "100", "weight_grams": "1000"}
    refused = storefront.post("/supplier/parts/new", data=part)
    assert refused.status_code == 422 and "须通过企业认证后才能发布配件" in refused.text

    # No file and no name: both fields marked, what was typed kept.
    missing = storefront.post("/supplier/verification", data={"uscc": own["verification"]["uscc"]})
    assert missing.status_code == 422
    assert re.search(r'id="f-file"[^>]*aria-invalid="true"', missing.text)
    assert re.search(r'id="f-legal_representative"[^>]*aria-invalid="true"', missing.text)

    sent = storefront.post(
        "/supplier/verification",
        data={"uscc": own["verification"]["uscc"], "legal_representative": "李伟"},
        files={"file": ("licence.pdf", licence_pdf(), "application/pdf")},
    )
    assert sent.status_code == 200 and "您的申请已提交" in sent.text and "审核中" in sent.text
    assert "李伟" in sent.text

    reject = 'mutation ($id: ID!) { rejectSupplier(id: $id, reason: "营业执照已过期") { verified } }'
    assert "errors" not in stack.gql(reject, {"id": own["id"]}, token=stack.admin_token())
    rejected = storefront.get("/supplier/verification")
    assert "已驳回" in rejected.text and "营业执照已过期" in rejected.text

    storefront.post(
        "/supplier/verification",
        data={"uscc": own["verification"]["uscc"], "legal_representative": "李伟"},
        files={"file": ("licence.pdf", licence_pdf("second scan"), "application/pdf")},
    )
    assert "errors" not in stack.gql(VERIFY_SUPPLIER, {"id": own["id"]}, token=stack.admin_token())
    verified = storefront.get("/supplier/verification")
    assert "已认证" in verified.text and 'id="verify-company"' not in verified.text
    listed = storefront.post("/supplier/parts/new", data=part)
    assert listed.status_code == 200 and part["sku"] in listed.text


def test_the_import_page_offers_the_csv_template(storefront: TestClient, stack: Stack) -> None:
    sign_in(storefront, register_supplier(stack))
    page = storefront.get("/supplier/import")
    assert 'href="/supplier/import/template.csv"' in page.text
    template = storefront.get("/supplier/import/template.csv")
    assert template.status_code == 200 and template.headers["content-type"].startswith("text/csv")
    assert "attachment" in template.headers["content-disposition"]
    text = template.content.decode("utf-8-sig")
    assert text.startswith("sku,title_en,") and "发电机" in text

    # Imported (as a water pump: the checkout tests pick the demo's alternators from the search),
    # and the report speaks the page's language.
    mine = text.replace("ALT-0001", f"{sku_prefix()}-T").replace("发电机", "水泵").replace("alternator", "water pump")
    imported = storefront.post("/supplier/import", data={"csv": mine})
    assert imported.status_code == 200 and "新建 1 个" in imported.text
    bad = "sku,title_en,category,condition,price_cny,weight_grams\nX-1,Thing,飞碟,REMANUFACTURED,1.00,100\n"
    report = storefront.post("/supplier/import", data={"csv": bad})
    assert "未知类别" in report.text
