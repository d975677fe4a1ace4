"""Bad input gets a clear error that names the argument and what is accepted; never a trace."""

from tests.conftest import Api


async def test_page_size_outside_1_to_100_is_refused_naming_first(api: Api) -> None:
    for size in (0, -1, 101):
        errors = await api.errors(f"{{ customers(first: {size}) {{ totalCount }} }}")
        assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "first"}
        assert "between 1 and 100" in errors[0]["message"]


async def test_garbled_and_foreign_cursors_are_refused_naming_after(api: Api) -> None:
    data = await api.query("{ touchpoints(first: 1) { pageInfo { endCursor } } }")
    foreign = data["touchpoints"]["pageInfo"]["endCursor"]
    for cursor in ("garbage", "bm90IGpzb24", foreign):
        errors = await api.errors(
            "query($c: String) { customers(after: $c) { totalCount } }", {"c": cursor}
        )
        assert errors[0]["extensions"] == {"code": "INVALID_CURSOR", "argument": "after"}


async def test_bad_enum_and_bad_dates_are_validation_errors(api: Api) -> None:
    errors = await api.errors("{ tickets(filter: {status: [LOST]}) { totalCount } }")
    assert "LOST" in errors[0]["message"] and "TicketStatus" in errors[0]["message"]
    errors = await api.errors(
        "query($f: DateTime) { touchpoints(filter: {from: $f}) { totalCount } }",
        {"f": "2026-11-22T10:00:00"},
    )
    assert "UTC offset" in errors[0]["message"] and "$f" in errors[0]["message"]
    errors = await api.errors('{ touchpoints(filter: {to: "yesterday"}) { totalCount } }')
    assert "ISO-8601" in errors[0]["message"]
    errors = await api.errors(
        "query($f: DateTime) { touchpoints(filter: {from: $f}) { totalCount } }",
        {"f": "2026-6-1"},
    )  # a bare date is accepted too: the message says how to write one
    assert "ISO-8601" in errors[0]["message"] and "2026-06-01" in errors[0]["message"]
    assert "midnight UTC" in errors[0]["message"]


async def test_malformed_bodies_get_json_errors(api: Api) -> None:
    headers = {
        "Authorization": f"Bearer {api.backend.keys[next(iter(api.backend.keys))]}",
        "Content-Type": "application/json",
    }
    response = await api.client.post("/graphql", content=b"{not json", headers=headers)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    response = await api.client.post("/graphql", json={"query": "{ customers { "}, headers=headers)
    assert response.status_code == 200
    assert "Syntax Error" in response.json()["errors"][0]["message"]


async def test_too_many_node_ids_are_refused(api: Api) -> None:
    ids = ", ".join(['"x"'] * 101)
    errors = await api.errors(f"{{ nodes(ids: [{ids}]) {{ id }} }}")
    assert errors[0]["extensions"]["argument"] == "ids"


async def test_nul_characters_are_refused_naming_where_they_are(api: Api) -> None:
    # PostgreSQL text cannot hold U+0000: refused up front, never an internal error.
    query = "query($s: String) { customers(filter: {search: $s}) { totalCount } }"
    response = await api.post(query, {"s": "ab\x00c"})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "`variables.s`" in error["message"]
    literal = '{ customers(filter: {search: "a\\u0000b"}) { totalCount } }'
    response = await api.post(literal)
    assert response.status_code == 400 and "`the query`" in response.text
