"""createCustomer and updateCustomer: normalized, unique, validated, audited."""

import uuid

import sqlalchemy as sa

from models import Role
from resolvers.masks import stored_phone_mask
from schema.node import to_global_id
from tests.conftest import Api

CREATE = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  customer { id name email phone company segment stage attributes externalIds { source id } }
  userErrors { field message code } } }"""
UPDATE = """mutation($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) {
  customer { id name email phone company segment churnedAt } userErrors { field message code } } }"""
COUNT = "{ customers { totalCount } }"


async def assert_phone_masks_kept(api: Api) -> int:
    """Every customer's kept phone mask (what the compiled path shows roles without
    personal data) is the mask of its phone now; the phones counted."""
    async with api.backend.engine.connect() as connection:
        rows = (await connection.execute(sa.text("SELECT phone, phone_masked FROM customer"))).all()
    assert [r for r in rows if r.phone_masked != stored_phone_mask(r.phone)] == []
    return sum(r.phone is not None for r in rows)


async def count(api: Api) -> int:
    return (await api.query(COUNT))["customers"]["totalCount"]


async def create(api: Api, **fields: object) -> dict:
    result = (await api.query(CREATE, {"input": {"name": "Ana Costa", **fields}}))["createCustomer"]
    assert result["userErrors"] == [], result["userErrors"]
    return result["customer"]


async def test_create_normalizes_and_reads_back(writable: Api) -> None:
    email = f"  Ana.{uuid.uuid4().hex[:6]}@Example.COM "
    customer = await create(
        writable,
        email=email,
        phone="+44 7700 900-123",
        company="Acme",
        segment="smb",
        attributes={"plan": "pro"},
        externalIds=[{"source": "crm", "id": f"C-{uuid.uuid4().hex}"}],
    )
    assert customer["email"] == email.strip().lower()
    assert customer["phone"] == "+447700900123"
    assert customer["stage"] == "AWARENESS" and customer["attributes"] == {"plan": "pro"}
    found = await writable.query(
        "query($e: String!, $s: String!, $i: String!) { customerByEmail(email: $e) { id } "
        "customerByExternalId(source: $s, id: $i) { id } }",
        {"e": email.upper(), "s": "crm", "i": customer["externalIds"][0]["id"]},
    )
    assert found["customerByEmail"]["id"] == found["customerByExternalId"]["id"] == customer["id"]


async def test_invalid_fields_are_all_reported_and_nothing_is_created(writable: Api) -> None:
    before = await count(writable)
    result = (
        await writable.query(
            CREATE,
            {
                "input": {
                    "name": "  ",
                    "email": "not-an-email",
                    "phone": "07700 900123",
                    "attributes": [1, 2],
                    "externalIds": [{"source": "crm", "id": "X"}, {"source": "crm", "id": "X"}],
                }
            },
        )
    )["createCustomer"]
    assert result["customer"] is None
    fields = {tuple(e["field"]) for e in result["userErrors"]}
    assert fields == {
        ("input", "name"),
        ("input", "email"),
        ("input", "phone"),
        ("input", "attributes"),
        ("input", "externalIds", "1"),
    }
    assert all(e["code"] == "INVALID" for e in result["userErrors"])
    assert "E.164" in next(e["message"] for e in result["userErrors"] if e["field"][-1] == "phone")
    assert await count(writable) == before


async def test_email_and_external_id_conflicts_name_the_field(writable: Api) -> None:
    external = {"source": "helpdesk", "id": f"H-{uuid.uuid4().hex}"}
    first = await create(
        writable, email=f"dup-{uuid.uuid4().hex[:6]}@x.example", externalIds=[external]
    )
    before = await count(writable)
    result = (
        await writable.query(
            CREATE,
            {
                "input": {
                    "name": "Other",
                    "email": first["email"].upper(),
                    "externalIds": [external],
                }
            },
        )
    )["createCustomer"]
    assert {(tuple(e["field"]), e["code"]) for e in result["userErrors"]} == {
        (("input", "email"), "CONFLICT"),
        (("input", "externalIds", "0"), "CONFLICT"),
    }
    assert await count(writable) == before


async def test_update_changes_only_what_is_sent_and_null_clears(writable: Api) -> None:
    customer = await create(writable, company="Old Co", segment="smb", phone="+15550001111")
    result = (
        await writable.query(
            UPDATE,
            {
                "id": customer["id"],
                "input": {
                    "company": None,
                    "phone": "+1 555 000 2222",
                    "churnedAt": "2026-10-01T00:00:00Z",
                },
            },
        )
    )["updateCustomer"]
    assert result["userErrors"] == []
    updated = result["customer"]
    assert updated["company"] is None and updated["phone"] == "+15550002222"
    assert updated["segment"] == "smb" and updated["name"] == "Ana Costa"
    assert updated["churnedAt"] == "2026-10-01T00:00:00+00:00"
    masked = await writable.post(
        "query($id: ID!) { customer(id: $id) { phone } }", {"id": customer["id"]}, Role.MARKETING
    )
    assert masked.json()["data"]["customer"]["phone"] == "+1 ••• ••• 222"
    cleared = await writable.query(UPDATE, {"id": customer["id"], "input": {"phone": None}})
    assert cleared["updateCustomer"]["customer"]["phone"] is None
    assert await assert_phone_masks_kept(writable) > 0

    refused = (await writable.query(UPDATE, {"id": customer["id"], "input": {"name": None}}))[
        "updateCustomer"
    ]
    assert refused["userErrors"][0]["field"] == ["input", "name"]


async def test_update_refuses_a_taken_email_and_unknown_ids(writable: Api) -> None:
    a = await create(writable, email=f"a-{uuid.uuid4().hex[:6]}@x.example")
    b = await create(writable, email=f"b-{uuid.uuid4().hex[:6]}@x.example")
    taken = (await writable.query(UPDATE, {"id": b["id"], "input": {"email": a["email"]}}))[
        "updateCustomer"
    ]
    assert taken["userErrors"][0]["code"] == "CONFLICT"
    for bad_id in (
        to_global_id("Customer", uuid.uuid4()),
        to_global_id("Ticket", uuid.uuid4()),
        "%%%",
    ):
        missing = (await writable.query(UPDATE, {"id": bad_id, "input": {"name": "X"}}))[
            "updateCustomer"
        ]
        # A missing or foreign id is not found; a malformed one is not an id at all.
        code = "INVALID_ID" if bad_id == "%%%" else "NOT_FOUND"
        assert missing["userErrors"] == [
            {"field": ["id"], "message": missing["userErrors"][0]["message"], "code": code}
        ]
        if code == "NOT_FOUND":  # a missing and a foreign id read the same
            assert missing["userErrors"][0]["message"] == "No customer has this id."


async def test_writes_are_audited_without_pii(writable: Api) -> None:
    email = f"audited-{uuid.uuid4().hex[:6]}@x.example"
    customer = await create(writable, email=email, phone="+15550009999")
    log = await writable.query(
        """query($t: ID!) { auditLog(filter: {targetId: $t}) { edges { node {
             action keyName role targetIds details occurredAt } } } }""",
        {"t": customer["id"]},
    )
    (entry,) = [e["node"] for e in log["auditLog"]["edges"]]
    assert entry["action"] == "createCustomer" and entry["keyName"] == "test-admin"
    assert entry["role"] == "ADMIN" and entry["targetIds"] == [customer["id"]]
    assert email not in str(entry) and "5550009999" not in str(entry)
    assert "email" in entry["details"]["fields"]


async def test_only_admin_reads_the_audit_log(writable: Api) -> None:
    response = await writable.post("{ viewer { role } auditLog { totalCount } }", role=Role.SUPPORT)
    body = response.json()
    assert body["data"] == {"viewer": {"role": "SUPPORT"}, "auditLog": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["errors"][0]["path"] == ["auditLog"]
