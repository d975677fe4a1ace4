"""Text beyond ASCII: search and email matching fold case as PostgreSQL's lower() does.

PostgreSQL (libc, C.UTF-8 here) lower-cases every letter one to one: `İ` -> `i`,
`ẞ` -> `ß`, capital sigma -> small sigma (also at a word's end), and never expands `ß` to `ss`. SQLite's
own lower() knows ASCII only; the app gives it the same folding, so both databases
answer every search alike.
"""

import uuid

import pytest

from tests.conftest import Api

CREATE = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  customer { id email } userErrors { field code } } }"""
SEARCH = """query($q: String!) { customers(first: 100, filter: {search: $q}) {
  edges { node { id name } } } }"""
NAMES = [
    "Ünal Çelik",
    "Ayşe Öztürk",
    "İsmail Şahin",
    "Jürgen Straße",
    "Émile Zoë",
    "Σωκράτης Παππάς",
    "Дмитрий Иванов",
]
# term -> the names above it finds, on both databases
EXPECTED = {
    "Ünal Çelik": {"Ünal Çelik"},
    "ünal": {"Ünal Çelik"},
    "ÜNAL ÇELIK": {"Ünal Çelik"},
    "ÇELİK": {"Ünal Çelik"},  # İ folds to i, as in PostgreSQL
    "ÖZTÜRK": {"Ayşe Öztürk"},
    "ayşe": {"Ayşe Öztürk"},
    "ismail": {"İsmail Şahin"},
    "İSMAİL": {"İsmail Şahin"},
    "STRAẞE": {"Jürgen Straße"},  # capital sharp s folds to ß
    "strasse": set(),  # ß is not ss, on either database
    "émile zoë": {"Émile Zoë"},
    "ÉMILE": {"Émile Zoë"},
    "ΣΩΚΡ": {"Σωκράτης Παππάς"},
    "παππάσ": set(),  # final sigma U+03C2 is another letter, as stored
    "ΠΑΠΠΆΣ": set(),  # capital sigma folds to U+03C3 even at the end (PG lower)
    "Σωκράτης Παππάς": {"Σωκράτης Παππάς"},  # the stored text itself is always found
    "дмитрий": {"Дмитрий Иванов"},
    "ИВАНОВ": {"Дмитрий Иванов"},
}


@pytest.fixture(scope="module")
async def people(writable: Api) -> dict[str, str]:
    tag = uuid.uuid4().hex[:6]
    made: dict[str, str] = {}
    for name in NAMES:
        result = await writable.query(CREATE, {"input": {"name": name, "company": f"co-{tag}"}})
        made[result["createCustomer"]["customer"]["id"]] = name
    return made


@pytest.mark.parametrize("term", list(EXPECTED))
async def test_search_folds_case_beyond_ascii(
    writable: Api, people: dict[str, str], term: str
) -> None:
    found = await writable.query(SEARCH, {"q": term})
    names = {
        people[e["node"]["id"]] for e in found["customers"]["edges"] if e["node"]["id"] in people
    }
    assert names == EXPECTED[term]


async def test_emails_beyond_ascii_are_one_address_in_any_case(writable: Api) -> None:
    local = f"ünal.çelik.{uuid.uuid4().hex[:6]}"
    created = (
        await writable.query(
            CREATE, {"input": {"name": "Ünal Çelik", "email": f"{local.upper()}@Example.COM"}}
        )
    )["createCustomer"]
    assert created["customer"]["email"] == f"{local}@example.com"
    found = await writable.query(
        "query($e: String!) { customerByEmail(email: $e) { id } }", {"e": f"{local}@example.com"}
    )
    assert found["customerByEmail"]["id"] == created["customer"]["id"]
    again = (
        await writable.query(CREATE, {"input": {"name": "Ünal", "email": f"{local}@example.com"}})
    )["createCustomer"]
    assert again["userErrors"] == [{"field": ["input", "email"], "code": "CONFLICT"}]
