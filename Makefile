# Two commands: `make run` (set up and serve on SQLite) and `make test` (the whole suite).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test test-pg test-browser bench stress install migrate seed clean messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/portal db upgrade

seed: migrate
	$(BIN)/portal seed --demo

# The server and a task-queue worker beside it (Ctrl-C stops both).
run: seed
	$(BIN)/portal run --host $(HOST) --port $(PORT)

# The whole suite on SQLite; PostgreSQL too when PORTAL_TEST_DATABASE_URL is set;
# browser tests when /usr/bin/chromium exists. What is skipped is said at the end.
test: install
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-pg: install
	PORTAL_TEST_DATABASE_URL=$${PORTAL_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/pytest -q $(PYTEST_ARGS)

# Throughput and latency against bare baselines, measured side by side (needs wrk and taskset);
# prints a table of ratios and saves it as var/bench.json.
bench: install
	$(BIN)/python bench/run.py

# The long runs (minutes; not part of `make test`): SIGKILLs under create load, a rush of
# applicants with idempotency keys, a crowd of 50 and 200 clients; on SQLite, then PostgreSQL;
# then two instances and two workers on PostgreSQL with the queue on Redis.
STRESS_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
STRESS_REDIS ?= redis://127.0.0.1:6379/0
stress: install
	$(BIN)/python bench/crash.py
	$(BIN)/python bench/crash.py --database-url $(STRESS_PG)
	$(BIN)/python bench/applicants.py
	$(BIN)/python bench/applicants.py --database-url $(STRESS_PG)
	$(BIN)/python bench/crowd.py --clients 50 200
	$(BIN)/python bench/crowd.py --clients 50 200 --database-url $(STRESS_PG)
	$(BIN)/python bench/instances.py --database-url $(STRESS_PG) --queue-url $(STRESS_REDIS)

messages: install
	$(BIN)/pybabel extract -F babel.cfg -o app/locale/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i app/locale/messages.pot -d app/locale -D messages --no-fuzzy-matching

clean:
	rm -rf var/portal.db* .pytest_cache
