"""The /graphql endpoint: strawberry's ASGI view behind key authentication.

Authentication runs before strawberry sees the request (strawberry builds the context
before deciding to render GraphiQL), so the IDE page itself loads without a key and
every operation needs one. Transport errors answer in GraphQL's JSON error shape.
"""

from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from api.auth import Unauthenticated, authenticate
from api.context import Context, Viewer
from resolvers.loaders import Loaders
from resolvers.pagination import Sessions


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(self, schema: BaseSchema, graphiql: bool) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)

    def _is_ide_page(self, request: Request) -> bool:
        return (
            request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await WebSocket(scope, receive, send).close(code=1003, reason="no subscriptions yet")
            return
        request = Request(scope, receive)
        response: Response
        try:
            if self.graphql_ide and self._is_ide_page(request):
                response = await self.render_graphql_ide(request)
            else:
                sessions: Sessions = request.app.state.sessions
                scope.setdefault("state", {})["viewer"] = await authenticate(
                    sessions, request.headers.get("authorization")
                )
                response = await self.run(request)
        except Unauthenticated as error:
            response = error_response(
                401, "UNAUTHENTICATED", str(error), {"WWW-Authenticate": 'Bearer realm="cx360"'}
            )
        except HTTPException as error:
            response = error_response(error.status_code, "BAD_REQUEST", error.reason)
        await response(scope, receive, send)

    async def get_context(self, request: Any, response: Any) -> Context:
        viewer: Viewer = request.scope["state"]["viewer"]
        sessions: Sessions = request.app.state.sessions
        return Context(
            viewer=viewer,
            sessions=sessions,
            write_sessions=request.app.state.write_sessions,
            loaders=Loaders(sessions),
        )
