"""Apollo Federation 2: with CX360_FEDERATION=1 cx360 is a subgraph of a supergraph.

Customer and Ticket are entities keyed by `id`; a router resolves them through
`_entities`, where each representation goes through the same dataloaders as any field,
so one request for many entities costs one statement per type. The `@key` directives
are attached only when a federated schema is built: the plain schema (schema.graphql)
stays free of federation names. A process serves one of the two.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.types.base import StrawberryObjectDefinition, get_object_definition

from schema.customers import Customer
from schema.tickets import Ticket

ENTITIES = (Customer, Ticket)


def _is_key(directive: object) -> bool:
    return isinstance(directive, Key)


def _definitions() -> list[StrawberryObjectDefinition]:
    return [get_object_definition(entity, strict=True) for entity in ENTITIES]


def add_entity_keys() -> None:
    for definition in _definitions():
        if not any(_is_key(d) for d in definition.directives or ()):
            definition.directives = (*(definition.directives or ()), Key(fields=FieldSet("id")))


def remove_entity_keys() -> None:
    for definition in _definitions():
        definition.directives = tuple(d for d in definition.directives or () if not _is_key(d))


@contextmanager
def entity_keys() -> Iterator[None]:
    """Keys for the lifetime of a federated schema in a process that also serves the plain one."""
    add_entity_keys()
    try:
        yield
    finally:
        remove_entity_keys()
