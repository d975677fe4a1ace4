"""Bad input gets a clear error that names the argument and what is accepted; never a trace."""

import base64
import json
import uuid
from typing import Any

from models import Role
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
    assert "`filter.status[0]`" in errors[0]["message"] and "TicketStatus" in errors[0]["message"]
    assert "Expected one of: NEW, OPEN" in errors[0]["message"]
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


async def test_dates_at_the_ends_of_the_calendar_are_refused_naming_the_range(api: Api) -> None:
    """Year 1 and year 9999 are valid ISO-8601, but a 90-day look-back or a monthly step
    from them leaves the calendar: refused up front, for every DateTime, naming the range."""
    for query, variables in (
        (
            "query($at: DateTime) { customers(first: 1) { edges { node { "
            "health(asOf: $at) { score } } } } }",
            {"at": "0001-03-31T00:00:00Z"},
        ),
        (
            "query($f: DateTime, $t: DateTime) { metricsSeries(interval: MONTH, "
            "filter: {from: $f, to: $t}) { start } }",
            {"f": "9999-11-01", "t": "9999-12-31"},
        ),
    ):
        errors = await api.errors(query, variables)
        message = errors[0]["message"]
        assert "year " in message and "1900 to 2999" in message and "$" in message, message
    inline = await api.errors(
        '{ customers(first: 1) { edges { node { health(asOf: "0001-03-31") { score } } } } }'
    )
    assert "1900 to 2999" in inline[0]["message"], inline
    # Year 1 with an offset east of UTC is year 0 in UTC, which Python cannot hold.
    errors = await api.errors(
        "query($f: DateTime) { journeyPainPoints(filter: {from: $f}) { stage } }",
        {"f": "0001-01-01T00:00:00+14:00"},
    )
    assert "1900 to 2999" in errors[0]["message"], errors


WINDOWED = [
    "customers(first: 1) { edges { node { touchpoints(filter: {from: $f, to: $t}) "
    "{ totalCount } } } }",
    "customers(first: 1) { edges { node { timeline(filter: {from: $f, to: $t}) "
    "{ edges { occurredAt } } } } }",
    "touchpoints(filter: {from: $f, to: $t}) { totalCount }",
    "tickets(filter: {from: $f, to: $t}) { totalCount }",
    "customers(first: 1) { edges { node { surveyResponses(filter: {from: $f, to: $t}) "
    "{ totalCount } } } }",
    "auditLog(filter: {from: $f, to: $t}) { totalCount }",
    "readAudit(filter: {from: $f, to: $t}) { totalCount }",
    "metrics(filter: {from: $f, to: $t}) { nps }",
    "journeyPainPoints(filter: {from: $f, to: $t}) { stage }",
]


async def test_every_window_with_from_after_to_is_refused_naming_the_filter(api: Api) -> None:
    """Every filter with a window: `from` at or after `to` is a mistake, not an empty list."""
    for field in WINDOWED:
        for start, end in (("2026-06-02", "2026-06-01"), ("2026-06-01", "2026-06-01")):
            errors = await api.errors(
                f"query($f: DateTime, $t: DateTime) {{ {field} }}", {"f": start, "t": end}
            )
            assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "filter"}, (
                field,
                errors,
            )
            assert "`filter.from` must be before `filter.to`" in errors[0]["message"]
    # The customers' window has its own names.
    errors = await api.errors(
        '{ customers(filter: {createdFrom: "2026-06-02T00:00:00Z", '
        'createdTo: "2026-06-01T00:00:00Z"}) { totalCount } }'
    )
    assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "filter"}
    assert "`filter.createdFrom` must be before `filter.createdTo`" in errors[0]["message"]


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


EMPTY_CURSOR_READS = [
    "customers(first: 2, after: $c) { pageInfo { hasNextPage } }",
    "touchpoints(first: 2, after: $c) { pageInfo { hasNextPage } }",
    "tickets(first: 2, after: $c) { pageInfo { hasNextPage } }",
    "surveys(first: 2, after: $c) { pageInfo { hasNextPage } }",
    "auditLog(first: 2, after: $c) { pageInfo { hasNextPage } }",
    "webhookEndpoints(first: 2, after: $c) { pageInfo { hasNextPage } }",
    "webhookDeliveries(first: 2, after: $c) { pageInfo { hasNextPage } }",
    "customers(first: 1) { edges { node { touchpoints(after: $c) { totalCount } } } }",
    "customers(first: 1) { edges { node { tickets(after: $c) { totalCount } } } }",
    "customers(first: 1) { edges { node { surveyResponses(after: $c) { totalCount } } } }",
    "customers(first: 1) { edges { node { timeline(after: $c) { pageInfo { hasNextPage } } } } }",
    "surveys(first: 1) { edges { node { responses(after: $c) { totalCount } } } }",
]


async def test_an_empty_cursor_is_refused_like_any_malformed_one(api: Api) -> None:
    # "" is no position: it never silently means "from the start", on either read path.
    for field in EMPTY_CURSOR_READS:
        for query in (
            f"query($c: String) {{ {field} }}",
            "{ " + field.replace("$c", '""') + " }",
        ):
            errors = await api.errors(query, {"c": ""} if "$c" in query else None)
            assert errors[0]["extensions"] == {"code": "INVALID_CURSOR", "argument": "after"}, (
                query,
                errors,
            )


def forged_cursor(order: str, values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([order, values]).encode()).decode()


FORGED_CURSORS = {
    # sort values no list holds: beyond the SQL column, not a number, the wrong JSON type
    "tickets(orderBy: {field: PRIORITY, direction: ASC})": [
        ("tickets:PRIORITY:asc", [10**23, "2026-06-04T03:06:12+00:00", str(uuid.UUID(int=1))]),
        ("tickets:PRIORITY:asc", [True, "2026-06-04T03:06:12+00:00", str(uuid.UUID(int=1))]),
    ],
    "tickets(orderBy: {field: CREATED_AT, direction: DESC})": [
        ("tickets:CREATED_AT:desc", ["0001-01-01T00:00:00+14:00", str(uuid.UUID(int=1))]),
    ],
    "customers(orderBy: {field: LIFETIME_VALUE, direction: DESC})": [
        ("customers:LIFETIME_VALUE:desc", [str(10**30), str(uuid.UUID(int=1))]),
        ("customers:LIFETIME_VALUE:desc", ["NaN", str(uuid.UUID(int=1))]),
        ("customers:LIFETIME_VALUE:desc", ["abc", str(uuid.UUID(int=1))]),
        ("customers:LIFETIME_VALUE:desc", [1e400, str(uuid.UUID(int=1))]),
    ],
    # A JSON value of another type where a string, a time or a uuid belongs, or a NUL
    # (no stored text holds one): a review's number in a uuid's place was answered
    # `Unexpected error.`, and an HTTP 500 once the document had been compiled.
    "customers(orderBy: {field: NAME, direction: ASC})": [
        ("customers:NAME:asc", ["Ada\u0000", str(uuid.UUID(int=1))]),
        ("customers:NAME:asc", [["Ada"], str(uuid.UUID(int=1))]),
        ("customers:NAME:asc", ["Ada", 123]),
    ],
    "touchpoints(filter: {})": [
        ("touchpoints:occurredAt:desc", [None, str(uuid.UUID(int=1))]),
        ("touchpoints:occurredAt:desc", ["2026-06-04T03:06:12+00:00", 123]),
    ],
    "auditLog(filter: {})": [
        ("audit:occurredAt:desc", ["2026-06-04T03:06:12+00:00", 123]),
        ("audit:occurredAt:desc", [20260604, str(uuid.UUID(int=1))]),
    ],
    "readAudit(filter: {})": [("readAudit:at:desc", ["2026-06-04T03:06:12+00:00", False])],
    "webhookDeliveries(filter: {})": [
        ("webhookDelivery:createdAt:desc", ["2026-06-04T03:06:12+00:00", {"a": 1}]),
    ],
}


async def test_a_forged_cursor_with_values_no_list_holds_is_refused(api: Api) -> None:
    """Found by a fresh review: an edited cursor's huge number overflowed the SQL integer
    and answered `Unexpected error.`; every such value is INVALID_CURSOR on both paths."""
    for field, cursors in FORGED_CURSORS.items():
        listed = field.split("(")[0]
        query = (
            f"query($c: String) {{ {field[:-1]}, first: 2, after: $c) {{ edges {{ cursor }} }} }}"
        )
        # Answered once first: the forged cursors then reach a plan the server keeps.
        assert "errors" not in (await api.post(query, {"c": None})).json()
        for order, values in cursors:
            errors = await api.errors(query, {"c": forged_cursor(order, values)})
            assert errors[0]["extensions"] == {"code": "INVALID_CURSOR", "argument": "after"}, (
                listed,
                values,
                errors,
            )


async def test_an_empty_event_id_filter_is_refused_naming_it(api: Api) -> None:
    errors = await api.errors('{ webhookDeliveries(filter: {eventId: ""}) { totalCount } }')
    assert errors[0]["extensions"] == {"code": "INVALID_CURSOR", "argument": "filter.eventId"}


async def test_an_event_id_the_change_log_cannot_hold_is_refused_naming_it(api: Api) -> None:
    """Only what encode_position writes: ASCII digits within the log's bigint (a review's
    2^63 reached the database and answered `Unexpected error.`)."""
    query = "query($e: String) { webhookDeliveries(filter: {eventId: $e}) { totalCount } }"
    assert "errors" not in (await api.post(query, {"e": None})).json()
    for position in ("9223372036854775808", "99999999999999999999", " 93", "+93", "9_3", "٩٣"):
        event = base64.urlsafe_b64encode(f"change:{position}".encode()).decode()
        errors = await api.errors(query, {"e": event})
        assert errors[0]["extensions"] == {
            "code": "INVALID_CURSOR",
            "argument": "filter.eventId",
        }, (position, errors)
    fine = base64.urlsafe_b64encode(b"change:9223372036854775807").decode()
    assert "errors" not in (await api.post(query, {"e": fine})).json()


async def test_empty_ids_are_refused_naming_the_argument(api: Api) -> None:
    for query, argument in (
        ('{ node(id: "") { id } }', "id"),
        ('{ nodes(ids: [""]) { id } }', "ids[0]"),
        ('{ customer(id: "") { id } }', "id"),
        ('{ auditLog(filter: {targetId: ""}) { totalCount } }', "filter.targetId"),
        ('{ webhookDeliveries(filter: {endpointId: ""}) { totalCount } }', "filter.endpointId"),
    ):
        errors = await api.errors(query)
        assert errors[0]["extensions"] == {"code": "INVALID_ID", "argument": argument}, query


MARKER = "pii-marker-typo@secret.example"
PHONE = 447700900999
CREATE = "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { userErrors { field message } } }"
RECORD = """mutation($t: [TouchpointInput!]!) {
  recordTouchpoints(touchpoints: $t) { userErrors { field message } } }"""


def touchpoint(**fields: object) -> dict[str, object]:
    return {
        "customer": {"email": "someone@example.com"},
        "occurredAt": "2026-10-01T10:00:00Z",
        "channel": "EMAIL",
        "stage": "AWARENESS",
        "team": "SALES",
        "kind": "k",
        "source": "s",
        **fields,
    }


# (query, variables, what the message must name): every kind of coercion mistake,
# each carrying a value that must not come back.
VARIABLE_MISTAKES: list[tuple[str, dict[str, object], str]] = [
    (CREATE, {"i": {"name": "X", "emial": MARKER}}, "$i"),  # unknown field
    (CREATE, {"i": {"name": "X", "phone": PHONE, "email": MARKER}}, "`$i.phone`"),  # number
    (CREATE, {"i": {"name": {"first": MARKER}}}, "`$i.name`"),  # object for string
    (CREATE, {"i": {"name": None, "email": MARKER}}, "`$i.name`"),  # null for non-null
    (CREATE, {"i": {"email": MARKER}}, "$i"),  # required field missing
    (CREATE, {"i": [{"name": MARKER}]}, "$i"),  # list for object
    (CREATE, {"i": MARKER}, "$i"),  # string for object
    (CREATE, {"i": {"name": "X", "externalIds": [{"source": MARKER}]}}, "`$i.externalIds[0]`"),
    ("query($n: Int) { customers(first: $n) { totalCount } }", {"n": MARKER}, "$n"),
    ("query($n: Int) { customers(first: $n) { totalCount } }", {"n": PHONE}, "$n"),
    ("query($b: Boolean) { customers(filter: {churned: $b}) { totalCount } }", {"b": MARKER}, "$b"),
    (
        "query($s: [TicketStatus!]) { tickets(filter: {status: $s}) { totalCount } }",
        {"s": [MARKER]},
        "`$s[0]`",
    ),
    (
        "query($s: [TicketStatus!]) { tickets(filter: {status: $s}) { totalCount } }",
        {"s": [PHONE]},
        "`$s[0]`",
    ),
    ("query($f: DateTime) { touchpoints(filter: {from: $f}) { totalCount } }", {"f": MARKER}, "$f"),
    ("query($f: DateTime) { touchpoints(filter: {from: $f}) { totalCount } }", {"f": PHONE}, "$f"),
    (
        "query($f: DateTime) { touchpoints(filter: {from: $f}) { totalCount } }",
        {"f": "2026-02-30"},
        "$f",
    ),
    ("query($id: ID!) { node(id: $id) { id } }", {"id": {"x": MARKER}}, "$id"),
    (RECORD, {"t": [touchpoint(value=MARKER)]}, "`$t[0].value`"),  # bad Decimal
    (RECORD, {"t": [touchpoint(value=[MARKER])]}, "`$t[0].value`"),
    (RECORD, {"t": [touchpoint(sentiment=MARKER)]}, "`$t[0].sentiment`"),  # string for Float
    (RECORD, {"t": [touchpoint(channel=MARKER)]}, "`$t[0].channel`"),  # bad enum
    (RECORD, {"t": [touchpoint(attributes=MARKER)]}, "attributes"),  # JSON not an object
]
LITERAL_MISTAKES: list[tuple[str, str]] = [
    (
        f'mutation {{ createCustomer(input: {{name: "X", emial: "{MARKER}"}}) {{ __typename }} }}',
        "Argument 'input'",
    ),
    (
        f'mutation {{ createCustomer(input: {{name: "X", phone: {PHONE}}}) {{ __typename }} }}',
        "`input.phone`",
    ),
    (
        f'mutation {{ createCustomer(input: {{email: "{MARKER}"}}) {{ __typename }} }}',
        "Argument 'input'",
    ),
    (
        f'mutation {{ createCustomer(input: [{{name: "{MARKER}"}}]) {{ __typename }} }}',
        "Argument 'input'",
    ),
    (
        f'mutation {{ createCustomer(input: {{name: null, email: "{MARKER}"}}) {{ __typename }} }}',
        "`input.name`",
    ),
    (f'{{ customers(first: "{MARKER}") {{ totalCount }} }}', "Argument 'first'"),
    (f"{{ customers(first: {PHONE}) {{ totalCount }} }}", "Argument 'first'"),
    (f'{{ customers(filter: {{churned: "{MARKER}"}}) {{ totalCount }} }}', "`filter.churned`"),
    ("{ tickets(filter: {status: [PII_MARKER_TYPO]}) { totalCount } }", "`filter.status[0]`"),
    (f'{{ touchpoints(filter: {{from: "{MARKER}"}}) {{ totalCount }} }}', "`filter.from`"),
    (f"{{ touchpoints(filter: {{from: {PHONE}}}) {{ totalCount }} }}", "`filter.from`"),
    (f'{{ node(id: {{x: "{MARKER}"}}) {{ id }} }}', "Argument 'id'"),
    (f'query($n: Int = "{MARKER}") {{ customers(first: $n) {{ totalCount }} }}', "$n"),
]


async def test_coercion_errors_name_the_place_but_never_echo_the_value(api: Api) -> None:
    markers = (MARKER, str(PHONE), "PII_MARKER_TYPO", "2026-02-30")
    sent = [(query, variables, named) for query, variables, named in VARIABLE_MISTAKES]
    sent += [(query, None, named) for query, named in LITERAL_MISTAKES]
    for query, variables, named in sent:
        response = await api.post(query, variables)
        body = response.json()
        messages = [e["message"] for e in body.get("errors", [])] or [
            error["message"]
            for payload in (body.get("data") or {}).values()
            for error in payload["userErrors"]
        ]
        assert messages, (query, body)
        for marker in markers:
            assert marker not in response.text, (query, variables, response.text)
        assert any(named in m for m in messages), (named, messages)
        assert "Traceback" not in response.text


# Every list filter of every root list: (the list, its filter field, a value it takes).
LIST_FILTERS = [
    ("touchpoints", "channel", "WEB"),
    ("touchpoints", "kind", "page_view"),
    ("tickets", "status", "OPEN"),
    ("tickets", "slaState", "BREACHED"),
    ("followUps", "state", "DUE"),
    ("nextBestActions", "team", "SUPPORT"),
    ("auditLog", "action", "createCustomer"),
]


async def test_filter_lists_longer_than_1000_different_values_are_refused_naming_them(
    api: Api,
) -> None:
    """Each value was one bind parameter on the resolver path, and past the database's
    limit (32,766) the request failed as if the database were down (503, "retry"). Now
    more than 1,000 different values is the caller's error, naming the field; repeats of
    one value count once, and a list of kinds (free text) at the limit is answered.
    (Sent past `Api.post`: these long inputs are not kept for the parity replay.)"""
    headers = {"Authorization": f"Bearer {api.backend.keys[Role.ADMIN]}"}

    async def send(query: str, values: list[str]) -> Any:
        response = await api.client.post(
            "/graphql", json={"query": query, "variables": {"v": values}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    for root, field, value in LIST_FILTERS:
        leaf = "totalCount" if root != "auditLog" else "edges { cursor }"
        query = f"query($v: [String!]) {{ {root}(filter: {{{field}: $v}}) {{ {leaf} }} }}"
        if field != "kind" and field != "action":  # enums: variables typed as the enum
            kind = {
                "channel": "Channel",
                "status": "TicketStatus",
                "slaState": "SlaState",
                "state": "FollowUpState",
                "team": "Team",
            }[field]
            query = query.replace("[String!]", f"[{kind}!]")
        assert "errors" not in await send(query, [value] * 2_000)
        if field in ("kind", "action"):
            many = [f"{value}-{n}" for n in range(1_001)]
            errors = (await send(query, many))["errors"]
            assert errors[0]["extensions"] == {
                "code": "BAD_USER_INPUT",
                "argument": f"filter.{field}",
            }, errors
            assert "at most 1,000 different values (got 1,001)" in errors[0]["message"]
            assert "errors" not in await send(query, many[:1000])
