"""HTTP edge of cx360: ASGI app, settings, authentication, the context (requests, workers), CLI."""
