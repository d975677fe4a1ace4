"""The columns of a touchpoint import file, with their meanings: the CSV header names
(JSONL uses the same, with `customer` as an object instead). Apart from api/importer.py
so `cx360 --help` can show them without loading the import's machinery."""

from enum import StrEnum

from models.enums import Channel, JourneyStage, Team


def one_of(enum: type[StrEnum]) -> str:
    return ", ".join(member.value for member in enum)


COLUMNS: dict[str, str] = {
    "customerEmail": "the customer's email; or instead customerId (a global id), "
    "or customerSource + customerExternalId",
    "occurredAt": "required; ISO-8601 with an offset, e.g. 2026-11-22T10:00:00Z",
    "channel": f"required; one of {one_of(Channel)}",
    "stage": f"required; one of {one_of(JourneyStage)}",
    "team": f"required; one of {one_of(Team)}",
    "kind": "required; what happened, e.g. page_view (at most 64 characters)",
    "source": "required; the sending system, e.g. crm (at most 64 characters)",
    "externalId": "the event's id in that system: (source, externalId) is stored once, "
    "so re-importing creates nothing",
    "summary": "optional text",
    "value": "optional amount with at most 2 decimals, e.g. 12.50 (needs currency)",
    "currency": "ISO 4217 code, e.g. EUR",
    "sentiment": "optional number from -1.0 to 1.0",
}
CUSTOMER_COLUMNS = ("customerId", "customerSource", "customerExternalId")
