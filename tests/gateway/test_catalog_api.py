"""The catalog and certification parts of the public schema, against the real services
(in-process, on the demo data), with the upstream calls counted."""

from __future__ import annotations

import pytest

from tests.catalog.factories import valid_uscc
from tests.gateway.factories import CREATE_PART, LISTING, REGISTER_SUPPLIER, Stack, codes, data_of


@pytest.mark.parametrize("size", [20, 100])
def test_a_listing_page_costs_one_call_per_service_and_field_kind(stack: Stack, size: int) -> None:
    stack.reset_counts()
    page = data_of(stack.gql(LISTING, {"first": size}))["parts"]
    assert len(page["edges"]) == size
    for edge in page["edges"]:
        node = edge["node"]
        assert node["supplier"]["nameEn"] and node["price"]["currency"] == "CNY"
        assert node["eligibility"]["country"] == "DE"
    assert any(edge["node"]["certificates"] for edge in page["edges"])
    assert sorted(stack.calls("catalog")) == ["GET /parts/search", "GET /suppliers/batch"]
    assert sorted(stack.calls("certification")) == ["POST /certificates/applicable", "POST /eligibility"]


def test_pages_follow_each_other_without_overlap(stack: Stack) -> None:
    first = data_of(stack.gql(LISTING, {"first": 10}))["parts"]
    second = data_of(stack.gql(LISTING, {"first": 10, "after": first["pageInfo"]["endCursor"]}))["parts"]
    ids = [e["node"]["id"] for e in first["edges"] + second["edges"]]
    assert len(set(ids)) == 20 and first["pageInfo"]["hasNextPage"]


def test_search_in_chinese_and_by_oem_number_in_any_formatting(stack: Stack) -> None:
    alternators = data_of(stack.gql(LISTING, {"first": 50, "search": "发电机"}))["parts"]["edges"]
    assert alternators and {e["node"]["category"] for e in alternators} == {"alternator"}
    number = alternators[0]["node"]["oemNumbers"][0]
    messy = "-".join([number[:3], number[3:6], number[6:]]).lower()
    found = data_of(stack.gql("query ($n: String!) { partsByOemNumber(oemNumber: $n) { id } }", {"n": messy}))
    assert alternators[0]["node"]["id"] in {p["id"] for p in found["partsByOemNumber"]}


def test_ships_to_keeps_only_parts_that_may_be_sold_there(stack: Stack) -> None:
    everything = data_of(stack.gql(LISTING, {"first": 100}))["parts"]["edges"]
    assert not all(e["node"]["eligibility"]["eligible"] for e in everything), "demo data should mix"
    eligible = data_of(stack.gql(LISTING, {"first": 30, "filter": {"shipsTo": "DE"}}))["parts"]["edges"]
    assert len(eligible) == 30
    assert all(e["node"]["eligibility"]["eligible"] for e in eligible)


def test_vin_filter_and_facets(stack: Stack) -> None:
    vin = "JTDBU4EE0A9123456"  # a Toyota of model year 2010
    query = """query ($vin: String) { parts(filter: {vin: $vin}, first: 50) {
        edges { node { fitments { make yearFrom yearTo } } } facets { category { value count } } } }"""
    result = data_of(stack.gql(query, {"vin": vin}))["parts"]
    assert result["edges"]
    for edge in result["edges"]:
        assert any(f["make"] == "Toyota" and f["yearFrom"] <= 2010 <= f["yearTo"] for f in edge["node"]["fitments"])
    assert sum(f["count"] for f in result["facets"]["category"]) >= len(result["edges"])
    bad = stack.gql(query, {"vin": "NOT-A-VIN"})
    assert codes(bad) == ["BAD_USER_INPUT"]


def test_nodes_by_global_id(stack: Stack) -> None:
    node = data_of(stack.gql(LISTING, {"first": 1}))["parts"]["edges"][0]["node"]
    query = """query ($p: ID!, $s: ID!) { p: node(id: $p) { ... on Part { sku } }
                                         s: node(id: $s) { ... on Supplier { nameEn } } }"""
    result = data_of(stack.gql(query, {"p": node["id"], "s": node["supplier"]["id"]}))
    assert result["p"]["sku"] == node["sku"] and result["s"]["nameEn"] == node["supplier"]["nameEn"]
    if node["certificates"]:
        cert = data_of(
            stack.gql(
                "query ($c: ID!) { node(id: $c) { ... on Certificate { scheme holder { id } } } }",
                {"c": node["certificates"][0]["id"]},
            )
        )
        assert cert["node"]["scheme"] == node["certificates"][0]["scheme"]


def test_public_verification_and_market_requirements(stack: Stack) -> None:
    node = next(
        e["node"] for e in data_of(stack.gql(LISTING, {"first": 50}))["parts"]["edges"] if e["node"]["certificates"]
    )
    cert = node["certificates"][0]
    number = data_of(
        stack.gql("query ($c: ID!) { node(id: $c) { ... on Certificate { number } } }", {"c": cert["id"]})
    )["node"]["number"]
    verify = "query ($s: String!, $n: String!) { verifyCertificate(scheme: $s, number: $n) { status holderName } }"
    known = data_of(stack.gql(verify, {"s": cert["scheme"], "n": number}))["verifyCertificate"]
    assert known["status"] == cert["status"] and known["holderName"]
    unknown = data_of(stack.gql(verify, {"s": cert["scheme"], "n": "NO-SUCH-NUMBER"}))["verifyCertificate"]
    assert unknown == {"status": "UNKNOWN", "holderName": None}

    requirements = data_of(stack.gql('{ marketRequirements(country: "DE", category: "nev_battery_module") }'))[
        "marketRequirements"
    ]
    assert "UN38.3" in {s.replace("_", ".") for s in requirements} or requirements
    assert codes(stack.gql('{ marketRequirements(country: "XX", category: "alternator") }')) == ["BAD_USER_INPUT"]


def test_supplier_registers_lists_a_part_and_cannot_touch_anothers(stack: Stack) -> None:
    result = data_of(
        stack.gql(REGISTER_SUPPLIER, {"email": "sales@tn-reman.cn", "uscc": valid_uscc(90001), "en": "TN Reman A"})
    )["register"]
    token = result["token"]
    assert result["account"]["role"] == "SUPPLIER" and result["account"]["supplier"]["nameEn"] == "TN Reman A"
    part_input = {
        "sku": "ALT-0001",
        "titleEn": "Remanufactured alternator, Volkswagen Golf VII",
        "titleZh": "再制造发电机 大众高尔夫7",
        "category": "alternator",
        "condition": "REMANUFACTURED",
        "oemNumbers": ["03L 903 023 F"],
        "priceCny": 86000,
        "coreChargeCny": 20000,
        "warrantyMonths": 12,
        "weightGrams": 5400,
        "onHand": 7,
        "fitments": [{"make": "Volkswagen", "model": "Golf", "yearFrom": 2012, "yearTo": 2019}],
    }
    # Not before an admin has verified the company's licence; the error says so.
    unverified = stack.gql(CREATE_PART, {"input": part_input}, token=token)
    assert codes(unverified) == ["FORBIDDEN"]
    assert unverified["errors"][0]["extensions"]["reason"] == "SUPPLIER_NOT_VERIFIED"
    assert "verified" in unverified["errors"][0]["message"]
    stack.verify_supplier(token)
    part = data_of(stack.gql(CREATE_PART, {"input": part_input}, token=token))["createPart"]
    assert part["title"] == "再制造发电机 大众高尔夫7" and part["available"] == 7 and part["hsCode"]
    assert part["supplier"]["id"] == result["account"]["supplier"]["id"]

    other = data_of(
        stack.gql(REGISTER_SUPPLIER, {"email": "b@tn-reman.cn", "uscc": valid_uscc(90002), "en": "TN Reman B"})
    )["register"]["token"]
    patch = "mutation ($id: ID!) { updatePart(id: $id, input: {priceCny: 1}) { id } }"
    assert codes(stack.gql(patch, {"id": part["id"]}, token=other)) == ["FORBIDDEN"]
    stock = "mutation ($id: ID!) { setStock(partId: $id, onHand: 0) { available } }"
    assert codes(stack.gql(stock, {"id": part["id"]}, token=other)) == ["FORBIDDEN"]
    unchanged = data_of(
        stack.gql("query ($id: ID!) { part(id: $id) { available price { amount } } }", {"id": part["id"]})
    )
    assert unchanged["part"] == {"available": 7, "price": {"amount": 86000}}

    assert data_of(stack.gql(stock, {"id": part["id"]}, token=token))["setStock"]["available"] == 0
    bad = stack.gql(
        CREATE_PART, {"input": {**part_input, "sku": "ALT-0002", "category": "flux_capacitor"}}, token=token
    )
    assert codes(bad) == ["BAD_USER_INPUT"] and bad["errors"][0]["extensions"]["field"] == "category"
    dup = stack.gql(REGISTER_SUPPLIER, {"email": "c@tn-reman.cn", "uscc": valid_uscc(90001), "en": "Copycat"})
    assert codes(dup) == ["CONFLICT"]
    wrong_check = valid_uscc(90003)[:-1] + ("0" if valid_uscc(90003)[-1] != "0" else "1")
    bad_uscc = stack.gql(REGISTER_SUPPLIER, {"email": "d@tn-reman.cn", "uscc": wrong_check, "en": "Typo Co"})
    assert codes(bad_uscc) == ["BAD_USER_INPUT"] and bad_uscc["errors"][0]["extensions"]["field"] == "uscc"


def test_csv_import_reports_the_bad_row(stack: Stack) -> None:
    token = data_of(
        stack.gql(REGISTER_SUPPLIER, {"email": "csv@tn-reman.cn", "uscc": valid_uscc(90010), "en": "CSV Co"})
    )["register"]["token"]
    stack.verify_supplier(token)
    header = "sku,title_en,title_zh,category,condition,oem_numbers,price_cny,weight_grams,warranty_months,on_hand"
    csv = "\n".join(
        [
            header,
            "ST-1,Remanufactured starter,再制造起动机,starter,REMANUFACTURED,28100-0T010,52000,3900,12,4",
            "ST-2,Bad price starter,起动机,starter,REMANUFACTURED,28100-0T011,-5,3900,12,4",
        ]
    )
    result = data_of(
        stack.gql(
            "mutation ($c: String!) { importParts(csv: $c) { created updated errors { line field message } } }",
            {"c": csv},
            token=token,
        )
    )["importParts"]
    assert result["created"] == 1 and result["updated"] == 0
    assert [(e["line"], e["field"]) for e in result["errors"]] == [(3, "price_cny")]


def test_a_service_that_is_down_fails_only_the_fields_that_need_it(stack: Stack) -> None:
    query = '{ parts(first: 3) { edges { node { sku price(currency: "EUR") { amount } } } } }'
    result = stack.gql(query)
    assert result["data"] is not None or result["errors"]
    assert set(codes(result)) == {"UPSTREAM_UNAVAILABLE"}
    assert all("127.0.0.1" not in e["message"] for e in result["errors"])
    assert result["errors"][0]["path"][:2] == ["parts", "edges"]
    fine = data_of(stack.gql("{ parts(first: 3) { edges { node { sku price { amount currency } } } } }"))
    assert len(fine["parts"]["edges"]) == 3


def test_depth_50_a_thousand_aliases_a_2_mb_body_and_bad_paging_never_reach_a_service(stack: Stack) -> None:
    stack.reset_counts()
    # 50 levels: parts > edges > node > supplier, twelve times, then parts > sku.
    deep = "{ " + "parts { edges { node { supplier { " * 12 + "parts { sku }" + " } } } }" * 12 + " }"
    refused = stack.gql(deep)
    assert set(codes(refused)) == {"BAD_USER_INPUT"} and "depth" in refused["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: parts(first: 1) {{ edges {{ cursor }} }}" for i in range(1000)) + " }"
    assert codes(stack.gql(aliases)) == ["BAD_USER_INPUT"]
    padding = "#" + "x" * (2 * 1024 * 1024) + "\n"
    huge = stack.gql.client.post("/graphql", json={"query": padding + "{ parts { edges { cursor } } }"})
    assert huge.status_code == 413 and codes(huge.json()) == ["BAD_USER_INPUT"]
    assert stack.calls("catalog") == [] and stack.calls("certification") == []
    too_many = stack.gql("{ parts(first: 1000) { edges { cursor } } }")
    assert codes(too_many) == ["BAD_USER_INPUT"] and too_many["errors"][0]["extensions"]["field"] == "first"
    assert codes(stack.gql('{ parts(after: "garbage!") { edges { cursor } } }')) == ["BAD_USER_INPUT"]


def test_search_sorts_by_price_or_newest_and_counts_the_matches(stack: Stack) -> None:
    query = """query ($sort: PartSort, $after: String) {
        parts(search: "alternator", first: 5, sort: $sort, after: $after) {
          edges { node { price { amount } } } pageInfo { endCursor } facets { total exhaustive } } }"""
    cheap = data_of(stack.gql(query, {"sort": "PRICE_ASC"}))["parts"]
    prices = [e["node"]["price"]["amount"] for e in cheap["edges"]]
    assert prices == sorted(prices) and len(prices) == 5
    following = data_of(stack.gql(query, {"sort": "PRICE_ASC", "after": cheap["pageInfo"]["endCursor"]}))["parts"]
    assert following["edges"][0]["node"]["price"]["amount"] >= prices[-1]
    dear = data_of(stack.gql(query, {"sort": "PRICE_DESC"}))["parts"]
    prices = [e["node"]["price"]["amount"] for e in dear["edges"]]
    assert prices == sorted(prices, reverse=True)
    assert data_of(stack.gql(query, {"sort": "NEWEST"}))["parts"]["edges"]
    # Every match has one category, so the facets' total is the number of matches.
    assert cheap["facets"]["total"] == dear["facets"]["total"] > 5 and cheap["facets"]["exhaustive"]
    assert codes(stack.gql(query, {"sort": "CHEAPEST"})) == ["BAD_USER_INPUT"]


def test_the_csv_template_imports_and_chinese_category_names_and_report_messages(stack: Stack) -> None:
    token = data_of(
        stack.gql(REGISTER_SUPPLIER, {"email": "zh-csv@tn-reman.cn", "uscc": valid_uscc(90020), "en": "ZH CSV Co"})
    )["register"]["token"]
    stack.verify_supplier(token)
    template = data_of(stack.gql("{ partImportTemplate }", token=token))["partImportTemplate"]
    header, example = template.strip().splitlines()
    assert header.startswith("sku,title_en,title_zh") and ",发电机," in example
    imported = """mutation ($c: String!, $l: String) {
      importParts(csv: $c, locale: $l) { created errors { line code message } } }"""
    result = data_of(stack.gql(imported, {"c": template}, token=token))["importParts"]
    assert result == {"created": 1, "errors": []}

    csv = "\n".join(
        [
            "sku,title_en,category,condition,price_cny,weight_grams",
            "WP-ZH-1,Remanufactured water pump,水泵,REMANUFACTURED,360.00,1500",
            "UFO-1,Flying saucer,飞碟,REMANUFACTURED,1.00,100",
            "WP-ZH-2,Water pump,水泵,REMANUFACTURED,abc,1500",
        ]
    )
    report = data_of(stack.gql(imported, {"c": csv, "l": "zh"}, token=token))["importParts"]
    assert report["created"] == 1
    assert [(e["line"], e["code"]) for e in report["errors"]] == [(3, "UNKNOWN_CATEGORY"), (4, "NOT_YUAN")]
    assert report["errors"][0]["message"].startswith("未知类别")
    assert report["errors"][1]["message"] == "不是以元为单位的数字（例如 1280.50）"
    found = data_of(
        stack.gql('{ parts(search: "水泵 Remanufactured water pump", first: 5) { edges { node { sku category } } } }')
    )
    assert {"sku": "WP-ZH-1", "category": "water_pump"} in [e["node"] for e in found["parts"]["edges"]]


def test_ships_to_a_restricting_country_says_why_and_a_restricted_one_is_refused(stack: Stack) -> None:
    query = """query ($filter: PartFilter) { parts(filter: $filter, first: 50) {
      edges { node { condition eligibility(country: "BR") { eligible reasons { code source } } } }
      restrictions { condition measure source }
    } }"""
    brazil = data_of(stack.gql(query, {"filter": {"shipsTo": "BR"}}))["parts"]
    # Brazil treats remanufactured parts as used (Portaria SECEX 23/2011): none listed, and said so.
    assert {r["condition"] for r in brazil["restrictions"]} == {"USED", "REMANUFACTURED", "REFURBISHED"}
    assert all("SECEX" in r["source"] for r in brazil["restrictions"])
    assert all(e["node"]["condition"] == "NEW" for e in brazil["edges"])
    # A remanufactured part's eligibility for Brazil gives the condition rule first, with its source.
    anywhere = data_of(stack.gql(query, {"filter": {"condition": "REMANUFACTURED"}}))["parts"]
    assert anywhere["restrictions"] == []
    reasons = anywhere["edges"][0]["node"]["eligibility"]["reasons"]
    assert reasons[0]["code"] == "CONDITION_LICENCE_REQUIRED" and "SECEX" in reasons[0]["source"]
    refused = stack.gql(query, {"filter": {"shipsTo": "KP"}})
    extensions = refused["errors"][0]["extensions"]
    assert (extensions["reason"], extensions["field"]) == ("DESTINATION_RESTRICTED", "ships_to")
    assert "resolution 2397" in refused["errors"][0]["message"]
