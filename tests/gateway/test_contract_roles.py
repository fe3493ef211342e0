"""Every operation of the public contract, as each role: what it may do, and what it is refused
with which code and no data. Against the real services and localstripe, on SQLite and PostgreSQL.

The operations run in the order a marketplace lives them (a supplier lists, a buyer quotes,
orders and pays, the supplier ships, the core comes back), and at each step every role tries
it; the refused roles go first, so that a wrong permission shows as a wrong answer rather
than as a later step failing.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from marketplace.roles import AccountRole
from tests.gateway.factories import Gateway, gid, raw_id
from tests.orders.factories import Stack, confirm_card_setup

ROLES = ("anonymous", "buyer", "other_buyer", "supplier", "other_supplier", "inspector", "admin")
OK = "ok"
Outcome = str | tuple[str, ...]
Expected = dict[str, Outcome]
# Another caller's thing: refused, or not there at all, as long as nothing of it comes back.
HIDDEN = ("FORBIDDEN", "NOT_FOUND")


class Roles:
    """One account per role, and the check of one operation as each of them."""

    def __init__(self, front: Gateway, supplier_id: str, other_supplier_id: str) -> None:
        self.gateway = front
        self.tokens: dict[str, str | None] = {
            "anonymous": None,
            "buyer": front.account(AccountRole.BUYER),
            "other_buyer": front.account(AccountRole.BUYER),
            "supplier": front.account(AccountRole.SUPPLIER, supplier_id),
            "other_supplier": front.account(AccountRole.SUPPLIER, other_supplier_id),
            "inspector": front.account(AccountRole.INSPECTOR),
            "admin": front.account(AccountRole.ADMIN),
        }
        self.mismatches: list[str] = []

    def run(self, role: str, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.gateway.gql(document, variables, token=self.tokens[role])
        return result

    def check(
        self,
        operation: str,
        document: str,
        variables: dict[str, Any] | None,
        expected: dict[str, str | tuple[str, ...]],
    ) -> Any:
        """Runs the operation as each role in `expected`, in that order; returns the data of the
        last role allowed. A refusal must carry the code and no data of the operation."""
        allowed: Any = None
        for role, want in expected.items():
            result = self.run(role, document, variables)
            errors = result.get("errors") or []
            data = (result.get("data") or {}).get(operation)
            if errors:
                got = errors[0].get("extensions", {}).get("code", "NO CODE")
                if data is not None:
                    self.mismatches.append(f"{operation} as {role}: refused with {got} but data came back: {data}")
            else:
                got = OK
                allowed = data
            wanted = (want,) if isinstance(want, str) else want
            if got not in wanted:
                detail = errors[0]["message"] if errors else ""
                self.mismatches.append(f"{operation} as {role}: {got} {detail!r}, expected {' or '.join(wanted)}")
        if OK in expected.values() and allowed is None:
            pytest.fail("the next steps need this one:\n" + "\n".join(self.mismatches))
        return allowed

    def all_roles(self, outcome: Outcome) -> Expected:
        return dict.fromkeys(ROLES, outcome)


PART_INPUT = {
    "titleEn": "Remanufactured starter motor 1.4 kW",
    "category": "starter",
    "condition": "REMANUFACTURED",
    "oemNumbers": ["0001107405"],
    "priceCny": 86000,
    "warrantyMonths": 12,
    "weightGrams": 4100,
    "onHand": 3,
}
CERTIFICATE_INPUT = {
    "scheme": "ECE_R10",
    "number": "E4 10R-06 12345",
    "issuingBody": "RDW",
    "validFrom": "2026-01-01",
    "validUntil": "2028-12-31",
    "categories": ["starter"],
}


def test_every_operation_as_every_role(orders_stack: Stack, gateway: Gateway) -> None:
    supplier_id, other_supplier_id = orders_stack.supplier(), orders_stack.supplier()
    part = orders_stack.part(supplier_id, on_hand=10)
    part_id = gid("Part", part["id"])
    roles = Roles(gateway, supplier_id, other_supplier_id)
    check, everyone = roles.check, roles.all_roles(OK)

    # --- what anyone may read ----------------------------------------------------------------
    check("parts", "{ parts(first: 5) { edges { node { id } } } }", None, everyone)
    check("part", "query ($id: ID!) { part(id: $id) { sku } }", {"id": part_id}, everyone)
    check("partsByOemNumber", '{ partsByOemNumber(oemNumber: "06H 903 016 L") { sku } }', None, everyone)
    check("node", "query ($id: ID!) { node(id: $id) { id } }", {"id": part_id}, everyone)
    supplier_gid = gid("Supplier", supplier_id)
    check("supplier", "query ($id: ID!) { supplier(id: $id) { nameEn } }", {"id": supplier_gid}, everyone)
    check("suppliers", "{ suppliers(first: 5) { edges { node { id } } } }", None, everyone)
    check("verifyCertificate", '{ verifyCertificate(scheme: "ISO_9001", number: "nope") { status } }', None, everyone)
    check("marketRequirements", '{ marketRequirements(country: "DE", category: "alternator") }', None, everyone)
    check("carriers", "{ carriers { code name formats } }", None, everyone)
    staff_only: Expected = {**roles.all_roles("FORBIDDEN"), "anonymous": "UNAUTHENTICATED", "admin": OK}
    check("disputes", "{ disputes(first: 5) { edges { node { id status } } } }", None, staff_only)

    # --- who is asking ---------------------------------------------------------------------
    for role in ROLES:
        asked = roles.run(role, "{ viewer { account { role supplier { id } } } }")
        assert "errors" not in asked, (role, asked)
        viewer = asked["data"]["viewer"]
        account: Any = viewer["account"] if viewer else None
        if role == "anonymous":
            assert account is None
        else:
            assert account["role"] == role.split("_")[-1].upper(), (role, account)
            if "supplier" in role:
                assert account["supplier"]["id"] == gid(
                    "Supplier", supplier_id if role == "supplier" else other_supplier_id
                )
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    check(
        "register",
        'mutation ($e: String!) { register(input: {email: $e, password: "a long passphrase", role: BUYER}) { token } }',
        {"e": email},
        {"anonymous": OK},
    )
    check(
        "login",
        'mutation ($e: String!) { login(email: $e, password: "a long passphrase") { token } }',
        {"e": email},
        {"anonymous": OK},
    )
    check(
        "createApiKey",
        'mutation { createApiKey(name: "ERP sync") { key } }',
        None,
        {"anonymous": "UNAUTHENTICATED", **dict.fromkeys(ROLES[1:], OK)},
    )

    # --- a supplier's catalog ----------------------------------------------------------------
    not_a_supplier: Expected = {"anonymous": "UNAUTHENTICATED", "buyer": "FORBIDDEN", "inspector": "FORBIDDEN"}
    created = check(
        "createPart",
        "mutation ($input: PartInput!) { createPart(input: $input) { id supplier { id } } }",
        {"input": {**PART_INPUT, "sku": f"STR-{uuid.uuid4().hex[:6]}"}},
        {**not_a_supplier, "supplier": OK},
    )
    assert created["supplier"]["id"] == supplier_gid
    theirs: Expected = {**not_a_supplier, "other_supplier": HIDDEN}
    check(
        "updatePart",
        "mutation ($id: ID!) { updatePart(id: $id, input: {priceCny: 90000}) { price { amount } } }",
        {"id": created["id"]},
        {**theirs, "supplier": OK, "admin": OK},
    )
    check(
        "setStock",
        "mutation ($id: ID!) { setStock(partId: $id, onHand: 7) { available } }",
        {"id": created["id"]},
        {**theirs, "supplier": OK, "admin": OK},
    )
    csv = "sku,title_en,category,condition,oem_numbers,price_cny,warranty_months,weight_grams\n"
    csv += f"CSV-{uuid.uuid4().hex[:6]},Remanufactured water pump,water_pump,REMANUFACTURED,1K0121011,32000,12,1500\n"
    imported = check(
        "importParts",
        "mutation ($c: String!) { importParts(csv: $c) { created updated errors { line } } }",
        {"c": csv},
        {**not_a_supplier, "supplier": OK},
    )
    assert imported["created"] == 1 and imported["errors"] == []

    # --- supplier verification: admins decide, the supplier and admins see the application ---
    admins_only: Expected = {
        "anonymous": "UNAUTHENTICATED",
        "buyer": "FORBIDDEN",
        "supplier": "FORBIDDEN",
        "inspector": "FORBIDDEN",
        "admin": OK,
    }
    check(
        "suppliers",
        "{ suppliers(first: 5, verificationStatus: PENDING) { edges { node { id } } } }",
        None,
        admins_only,
    )
    verified = check(
        "verifySupplier",
        "mutation ($id: ID!) { verifySupplier(id: $id) { verified verification { status } } }",
        {"id": supplier_gid},
        admins_only,
    )
    assert verified == {"verified": True, "verification": {"status": "VERIFIED"}}
    check(
        "rejectSupplier",
        'mutation ($id: ID!) { rejectSupplier(id: $id, reason: "") { verified } }',
        {"id": supplier_gid},
        {**admins_only, "admin": "BAD_USER_INPUT"},
    )
    application = "query ($id: ID!) { supplier(id: $id) { verification { status } } }"
    for role, seen in (("anonymous", None), ("buyer", None), ("other_supplier", None), ("supplier", "VERIFIED")):
        data = roles.run(role, application, {"id": supplier_gid})["data"]["supplier"]["verification"]
        if (data and data["status"]) != seen:
            roles.mismatches.append(f"supplier.verification as {role}: {data}")

    # --- certificates: the holder submits, an inspector (or the holder) revokes -------------
    certificate = check(
        "addCertificate",
        "mutation ($input: CertificateInput!) { addCertificate(input: $input) { id status holder { id } } }",
        {"input": CERTIFICATE_INPUT},
        {**not_a_supplier, "supplier": OK},
    )
    assert certificate["status"] == "PENDING_REVIEW" and certificate["holder"]["id"] == supplier_gid
    check(
        "revokeCertificate",
        'mutation ($id: ID!) { revokeCertificate(id: $id, reason: "scope was wrong") { status } }',
        {"id": certificate["id"]},
        {"anonymous": "UNAUTHENTICATED", "buyer": "FORBIDDEN", "other_supplier": HIDDEN, "inspector": OK},
    )

    # --- the back office: the review queue for staff, people and the audit log for admins ----
    not_staff: Expected = {"anonymous": "UNAUTHENTICATED", "buyer": "FORBIDDEN", "supplier": "FORBIDDEN"}
    check(
        "certificateReviewQueue",
        "{ certificateReviewQueue(first: 5) { edges { node { id } } } }",
        None,
        {**not_staff, "inspector": OK, "admin": OK},
    )
    check(
        "approveCertificate",
        'mutation ($id: ID!) { approveCertificate(id: $id, reason: "checked") { status } }',
        {"id": certificate["id"]},
        {**not_staff, "other_supplier": HIDDEN},
    )
    people_admins_only: Expected = {**not_staff, "inspector": "FORBIDDEN"}
    check("accounts", "{ accounts(first: 5) { edges { node { email } } } }", None, {**people_admins_only, "admin": OK})
    check(
        "disableAccount",
        'mutation ($id: ID!) { disableAccount(id: $id, reason: "test") { email } }',
        {"id": gid("Account", str(uuid.uuid4()))},
        people_admins_only,
    )
    check("auditLog", "{ auditLog(first: 5) { edges { node { action } } } }", None, {**people_admins_only, "admin": OK})

    # --- a buyer's checkout ------------------------------------------------------------------
    quote_input = {"lines": [{"partId": part_id, "quantity": 1}], "destinationCountry": "DE", "incoterm": "DDP"}
    not_a_buyer: Expected = {"anonymous": "UNAUTHENTICATED", "supplier": "FORBIDDEN", "inspector": "FORBIDDEN"}
    quote = check(
        "createQuote",
        "mutation ($input: QuoteInput!) { createQuote(input: $input) { id total { amount currency } } }",
        {"input": {**quote_input, "currency": "EUR"}},
        {**not_a_buyer, "buyer": OK},
    )
    assert quote["total"]["currency"] == "EUR" and quote["total"]["amount"] > 0
    someone_elses: Expected = {"anonymous": "UNAUTHENTICATED", "other_buyer": HIDDEN}
    check(
        "quote",
        "query ($id: ID!) { quote(id: $id) { total { amount } } }",
        {"id": quote["id"]},
        {**someone_elses, "supplier": HIDDEN, "buyer": OK},
    )
    place = "mutation ($q: ID!, $k: String!) { placeOrder(quoteId: $q, idempotencyKey: $k) { order { id status } } }"
    placed = check(
        "placeOrder",
        place,
        {"q": quote["id"], "k": f"checkout-{uuid.uuid4()}"},
        {**someone_elses, "supplier": ("FORBIDDEN", "NOT_FOUND"), "buyer": OK},
    )
    order_id = placed["order"]["id"]
    setup = check(
        "startCardSetup",
        "mutation { startCardSetup { clientSecret publishableKey } }",
        None,
        {"anonymous": "UNAUTHENTICATED", "supplier": "FORBIDDEN", "buyer": OK},
    )
    pay = "mutation ($o: ID!, $pm: String!) { payOrder(orderId: $o, paymentMethodId: $pm) { id } }"
    card = confirm_card_setup(orders_stack.localstripe_url, setup["publishableKey"], setup["clientSecret"])
    check(
        "payOrder",
        pay,
        {"o": order_id, "pm": card},
        {**someone_elses, "supplier": HIDDEN, "buyer": OK},
    )
    orders_stack.wait_status(raw_id(order_id), "PAID")

    order = "query ($id: ID!) { order(id: $id) { status lines { id } } }"
    seen = check(
        "order",
        order,
        {"id": order_id},
        # Inspectors are also the core hubs' staff: they see the orders whose cores they inspect.
        {**someone_elses, "other_supplier": HIDDEN, "inspector": OK, "supplier": OK, "admin": OK, "buyer": OK},
    )
    assert seen["status"] == "PAID"
    # By global id too: the owner's quote and order, nothing for another buyer (Relay's plain null).
    node = "query ($id: ID!) { node(id: $id) { id ... on Order { status } ... on Quote { currency } } }"
    assert roles.run("buyer", node, {"id": order_id})["data"]["node"] == {"id": order_id, "status": "PAID"}
    assert roles.run("buyer", node, {"id": quote["id"]})["data"]["node"] == {"id": quote["id"], "currency": "EUR"}
    assert roles.run("other_buyer", node, {"id": order_id}) == {"data": {"node": None}}
    line_id = seen["lines"][0]["id"]
    my_orders = "{ myOrders(first: 5) { edges { node { id } } } }"
    assert [e["node"]["id"] for e in check("myOrders", my_orders, None, {"buyer": OK})["edges"]] == [order_id]
    assert check("myOrders", my_orders, None, {"other_buyer": OK})["edges"] == []
    check("myOrders", my_orders, None, {"anonymous": "UNAUTHENTICATED"})

    # --- the supplier ships, the buyer confirms delivery, the core comes back ---------------
    not_the_seller: Expected = {"anonymous": "UNAUTHENTICATED", "buyer": "FORBIDDEN", "other_supplier": HIDDEN}
    ship = 'mutation ($o: ID!) { markShipped(orderId: $o, carrier: "DHL", trackingNumber: "1234567890") { status } }'
    assert check("markShipped", ship, {"o": order_id}, {**not_the_seller, "supplier": OK})["status"] == "SHIPPED"
    # The supplier's payout clock starts at delivery: it may not say so itself.
    deliver = "mutation ($o: ID!) { markDelivered(orderId: $o) { status } }"
    check(
        "markDelivered", deliver, {"o": order_id}, {**not_the_seller, "supplier": "FORBIDDEN", "inspector": "FORBIDDEN"}
    )
    confirm = "mutation ($o: ID!) { confirmDelivery(orderId: $o) { status } }"
    confirmed = check(
        "confirmDelivery",
        confirm,
        {"o": order_id},
        {**someone_elses, "other_supplier": HIDDEN, "supplier": "FORBIDDEN", "buyer": OK},
    )
    assert confirmed["status"] == "DELIVERED"
    # An admin recording it afterwards (a carrier's proof) changes nothing: the order is delivered.
    assert check("markDelivered", deliver, {"o": order_id}, {"admin": OK})["status"] == "DELIVERED"
    core = check(
        "requestCoreReturn",
        "mutation ($l: ID!) { requestCoreReturn(orderLineId: $l) { id status deadline } }",
        {"l": line_id},
        {**someone_elses, "supplier": HIDDEN, "buyer": OK},
    )
    received = check(
        "receiveCoreReturn",
        "mutation ($id: ID!) { receiveCoreReturn(id: $id, accepted: true) { status refund { amount currency } } }",
        {"id": core["id"]},
        {**not_the_seller, "supplier": OK},
    )
    assert received["refund"]["amount"] > 0 and received["refund"]["currency"] == "EUR"
    core_node = roles.run(
        "buyer", "query ($id: ID!) { node(id: $id) { ... on CoreReturn { status } } }", {"id": core["id"]}
    )
    assert core_node["data"]["node"]["status"] == received["status"]

    # --- a second order, cancelled before payment -------------------------------------------
    second = gateway.ok(
        "mutation ($input: QuoteInput!) { createQuote(input: $input) { id } }",
        {"input": {**quote_input, "currency": "USD"}},
        token=roles.tokens["buyer"],
    )["createQuote"]
    pending = gateway.ok(place, {"q": second["id"], "k": f"checkout-{uuid.uuid4()}"}, token=roles.tokens["buyer"])
    cancel = "mutation ($o: ID!) { cancelOrder(id: $o) { status } }"
    cancelled = check(
        "cancelOrder",
        cancel,
        {"o": pending["placeOrder"]["order"]["id"]},
        {**someone_elses, "other_supplier": HIDDEN, "buyer": OK},
    )
    assert cancelled["status"] == "CANCELLED"

    # --- integrators' webhooks ---------------------------------------------------------------
    check(
        "createWebhookSubscription",
        'mutation { createWebhookSubscription(url: "https://erp.example.com/hooks", events: ["order.paid"]) { id } }',
        None,
        {"anonymous": "UNAUTHENTICATED", "buyer": OK, "supplier": OK},
    )

    # --- payouts: a supplier's own bank account; finance settles and pays ---------------------
    staff_and_buyers: Expected = {
        "anonymous": "UNAUTHENTICATED",
        "buyer": "FORBIDDEN",
        "inspector": "FORBIDDEN",
        "admin": "FORBIDDEN",
    }
    account = {
        "bankName": "中国银行重庆分行",
        "accountName": "重庆潼南汽配",
        "accountNumber": "6216610200016587010",
        "cnapsCode": "104653000012",
    }
    set_account = "mutation ($a: BankAccountInput!) { setBankAccount(input: $a) { accountNumberMasked } }"
    saved = check("setBankAccount", set_account, {"a": account}, {**staff_and_buyers, "supplier": OK})
    assert saved == {"accountNumberMasked": "•••• 7010"}
    not_finance: Expected = {
        "anonymous": "UNAUTHENTICATED",
        "buyer": "FORBIDDEN",
        "supplier": "FORBIDDEN",
        "inspector": "FORBIDDEN",
    }
    check("runSettlement", "mutation { runSettlement { id payoutStatus } }", None, {**not_finance, "admin": OK})
    export = "mutation ($ids: [ID!]!) { exportPayouts(batchIds: $ids) { messageId } }"
    nobody = {"ids": [gid("SettlementStatement", str(uuid.uuid4()))]}
    check("exportPayouts", export, nobody, {**not_finance, "admin": "NOT_FOUND"})

    assert roles.mismatches == [], "\n".join(roles.mismatches)
