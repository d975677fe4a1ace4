"""Which records an endpoint takes: its per-record-type list filters, stored as JSON."""

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from models import (
    NextAction,
    SurveyResponse,
    Ticket,
    Touchpoint,
)
from resolvers import actions, surveys, tickets, touchpoints
from resolvers.filters import Filter, conditions


@dataclass(frozen=True)
class RecordFilter:
    """How an endpoint's filter for one record type is stored and applied."""

    table: Any
    id_column: Any
    filters: tuple[Filter, ...]
    query: type
    # Conditions every record of the type must meet to be sent, filter or not.
    always: tuple[ColumnElement[bool], ...] = ()

    def condition(self, stored: dict[str, Any]) -> list[ColumnElement[bool]]:
        return conditions(self.filters, TypeAdapter(self.query).validate_python(stored))

    def stored(self, query: Any) -> dict[str, Any]:
        dumped: dict[str, Any] = TypeAdapter(self.query).dump_python(
            query, mode="json", exclude_none=True
        )
        return dumped


RECORD_FILTERS: dict[str, RecordFilter] = {
    "Touchpoint": RecordFilter(
        Touchpoint, col(Touchpoint.id), touchpoints.FILTERS, touchpoints.TouchpointQuery
    ),
    "Ticket": RecordFilter(Ticket, col(Ticket.id), tickets.FILTERS, tickets.TicketQuery),
    "SurveyResponse": RecordFilter(
        SurveyResponse, col(SurveyResponse.id), surveys.RESPONSE_FILTERS, surveys.ResponseQuery
    ),
    # An action's record is its start: sent while that start still holds and is shown
    # (never once dismissed), like `actionsChanged`.
    "Action": RecordFilter(
        NextAction,
        col(NextAction.start_id),
        actions.FILTERS,
        actions.ActionQuery,
        always=(actions.SHOWN,),
    ),
}
