# Conduit: `make run` serves the app, `make test` runs the whole suite.
HOST ?= 127.0.0.1
PORT ?= 8000
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
CONDUIT := .venv/bin/conduit
CONFORMANCE ?= ../shared/tools/realworld-conformance
HURL ?= ../shared/tools/realworld-hurl

.PHONY: install install-dev run test lint fmt bench fuzz conformance postman clean

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv

VENDOR := src/conduit/web/static/vendor
HTMX := $(VENDOR)/htmx.min.js
SWAGGER_UI := $(VENDOR)/swagger-ui
SWAGGER_UI_FILES := swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE

# What running Conduit needs, nothing more (packages already there, such as the dev tools, stay).
# Compiled to bytecode once here: a command then starts without compiling its imports, also where the
# service's user cannot write to .venv or PYTHONDONTWRITEBYTECODE is set.
install: $(UV) $(HTMX)
	$(UV) sync --frozen --no-dev --inexact --compile-bytecode

# Also the tools to test, lint and measure it.
install-dev: $(UV) $(HTMX)
	$(UV) sync --frozen --compile-bytecode

# htmx and Swagger UI are pinned in package-lock.json and served from the package, never from a CDN;
# axe-core (a devDependency, installed by the same npm ci) is what the browser suite checks the pages with.
# Without npm the pages still work (full page loads instead of in-place updates); the API docs page stays blank.
$(HTMX): package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && mkdir -p $(@D) $(SWAGGER_UI) && \
		cp node_modules/htmx.org/dist/htmx.min.js $@ && \
		cp $(addprefix node_modules/swagger-ui-dist/,$(SWAGGER_UI_FILES)) $(SWAGGER_UI)/; \
	else \
		echo "npm not found: the web app will work without htmx (full page loads instead of in-place updates) and the API docs page stays blank"; \
	fi

run: install
	$(CONDUIT) database upgrade --no-prompt
	$(CONDUIT) run --host $(HOST) --port $(PORT)

test: install-dev
	UV=$(UV) scripts/test-all-backends

lint: install-dev
	$(UV) run ruff check src tests scripts
	$(UV) run ruff format --check src tests scripts
	$(UV) run mypy

fmt: install-dev
	$(UV) run ruff check --fix src tests scripts
	$(UV) run ruff format src tests scripts

# BENCH_ARGS go to scripts/bench.py: `make bench BENCH_ARGS="--scale --database postgresql"`.
bench: install-dev
	$(UV) run python scripts/bench.py $(BENCH_ARGS)

# Schemathesis against the served OpenAPI schema; FUZZ_DATABASE_URL picks the database (a scratch SQLite file by default).
fuzz: install-dev
	$(UV) run python scripts/fuzz.py $(if $(FUZZ_DATABASE_URL),--database-url $(FUZZ_DATABASE_URL))

# The official RealWorld API suite (v2.0.0, Hurl files), against a server already running on HOST:PORT. The suite
# registers its users with "password123" from one address: serve with `PASSWORD_STRENGTH_CHECK=false
# REGISTRATIONS_PER_HOUR=0 make run` for it. `make postman` runs RealWorld's former (v1.1) Postman collection the same way.
conformance:
	@$(call need_runner,$(HURL))
	$(HURL) http://$(HOST):$(PORT) --continue

postman:
	@$(call need_runner,$(CONFORMANCE))
	$(CONFORMANCE) http://$(HOST):$(PORT)/api

define need_runner
	if [ ! -x "$(1)" ]; then \
		echo "this target needs the RealWorld runner at $(1)" >&2; \
		echo "(the RealWorld tools checked out beside this repository; or HURL=/path, CONFORMANCE=/path)" >&2; \
		exit 1; \
	fi; \
	if ! curl -fs -o /dev/null http://$(HOST):$(PORT)/healthz; then \
		echo "this target needs Conduit running on http://$(HOST):$(PORT): start it with 'make run'" >&2; \
		exit 1; \
	fi
endef

clean:
	rm -rf $(TOOLS) .venv var .pytest_cache .mypy_cache .ruff_cache node_modules $(VENDOR)
