"""HTTP edge of cx360: ASGI app, settings, authentication, request context and CLI."""
