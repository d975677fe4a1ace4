# cx360 developer entry points. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock 2>/dev/null | cksum | cut -d' ' -f1)
DEMO_CUSTOMERS ?= 2000
export CX360_DATABASE_URL ?= sqlite+aiosqlite:///./cx360.db

.PHONY: install run test lint schema fuzz codegen clean

$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## Migrate and seed the embedded SQLite demo, then serve GraphiQL on CX360_PORT (8000):
## the port is taken first, then a fresh ADMIN demo key is printed (a busy port revokes nothing).
run: install
	$(BIN)/cx360 migrate
	$(BIN)/cx360 seed --if-empty --customers $(DEMO_CUSTOMERS)
	$(BIN)/cx360 serve --demo-key demo-admin $(if $(CX360_PORT),--port $(CX360_PORT))

## Tests on SQLite; on PostgreSQL too when CX360_TEST_POSTGRES_URL is set. The test files are
## spread over TEST_PROCESSES processes; then the parity test replays every query they sent
## (in two parts, one per process: each part is an xdist group).
TEST_PROCESSES ?= 3
test: install
	@sent=$$(mktemp -d) && trap 'rm -rf "$$sent"' EXIT && \
	CX360_SENT_QUERIES="$$sent" $(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile \
		--ignore=tests/test_compiled_parity.py && \
	CX360_SENT_QUERIES="$$sent" $(BIN)/python -m pytest -n 2 --dist loadgroup tests/test_compiled_parity.py

## TypeScript types for the operations in examples/ (graphql-codegen, pinned by package-lock.json).
codegen:
	npm ci --no-audit --no-fund --loglevel=error
	npx graphql-codegen --config codegen.yml

## A longer fuzzing run over the whole schema (both databases when configured).
fuzz: install
	CX360_FUZZ_EXAMPLES=$${CX360_FUZZ_EXAMPLES:-3000} $(BIN)/python -m pytest tests/test_fuzz.py -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Rewrite schema.graphql and the generated docs from the code (tests fail when they differ).
schema: install
	$(BIN)/strawberry export-schema schema.schema:schema --output schema.graphql
	$(BIN)/cx360 docs security > docs/security.md
	$(BIN)/cx360 docs configuration > docs/configuration.md

clean:
	rm -rf $(VENV) node_modules cx360.db cx360.db-* .pytest_cache .mypy_cache .ruff_cache
