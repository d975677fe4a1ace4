# syntax=docker/dockerfile:1
# Production image: dependencies pinned by requirements.lock, built in one stage and
# copied into a slim runtime that runs as a non-root user. Migrations are a separate
# command: `docker run --rm -e CX360_DATABASE_URL=... cx360 cx360 migrate`.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY api ./api
COPY models ./models
COPY schema ./schema
COPY resolvers ./resolvers
COPY migrations ./migrations
# GraphiQL opens with the example operations as tabs (api/graphiql.py finds them here).
COPY examples ./api/static/examples
RUN pip install -c requirements.lock .

FROM python:3.11-slim AS runtime
RUN useradd --system --uid 10001 --user-group --home-dir /app --create-home cx360
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CX360_HOST=0.0.0.0 \
    CX360_PORT=8000
WORKDIR /app
USER cx360
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["cx360", "serve"]
