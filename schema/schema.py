"""The one strawberry schema the server serves and `schema.graphql` is exported from."""

import strawberry
from strawberry.schema.config import StrawberryConfig

from schema.errors import ErrorPolicy
from schema.query import Mutation, Query
from schema.scalars import SCALAR_MAP

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    config=StrawberryConfig(scalar_map=SCALAR_MAP, relay_max_results=100),
    extensions=[ErrorPolicy],
)
