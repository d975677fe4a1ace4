"""Bearer-key authentication for every GraphQL request."""

from sqlalchemy.exc import DBAPIError

from api.context import Viewer
from resolvers.keys import find_active_key
from resolvers.pagination import Sessions


class Unauthenticated(Exception):
    """The request carries no usable key; the message says what to send instead."""


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated(
            "Missing API key: send the header `Authorization: Bearer <key>` "
            "(create a key with `cx360 keys create --name NAME --role ROLE`)."
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Malformed Authorization header: use `Authorization: Bearer <key>`.")
    return token.strip()


async def authenticate(sessions: Sessions, authorization: str | None) -> Viewer:
    token = bearer_token(authorization)
    try:
        key = await find_active_key(sessions, token)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        key = await find_active_key(sessions, token)  # the server had dropped that connection
    if key is None:
        raise Unauthenticated("Invalid API key: it is unknown, revoked or expired.")
    return Viewer(key.id, key.name, key.role, key.trusted_documents_only)
