# The refund assistant. `make run` sets everything up and starts it; `make test` runs all tests.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 3

.PHONY: test-at setup train migrate db web run shell staff test lint typecheck bench conversations money-histories validate nlu-report quote retention seed-week clean

# REFUND_ENV has no default in the code: the developer's commands below say development (unless
# it is set), while db, web, quote, migrate, staff and retention, which an operator may run
# against a real database, need it set explicitly (REFUND_ENV=production on a deployment).
DEVELOPER_TARGETS := run test train validate shell mail bench conversations nlu-report lint typecheck
$(DEVELOPER_TARGETS): export REFUND_ENV ?= development

setup: $(VENV)/.installed web/node_modules/.installed

$(VENV)/.installed: requirements.txt requirements.lock scripts/setup-venv.sh
	scripts/setup-venv.sh
	touch $@

# The chat widget bundle (rasa-webchat, pinned by web/package-lock.json), served by bot/web.
web/node_modules/.installed: web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm (Node.js 18+) is needed for the chat widget: apt-get install nodejs npm"; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

train: setup
	@mkdir -p var/logs
	@scripts/train.sh > var/current-model 2> var/logs/train.log || { tail -40 var/logs/train.log; exit 1; }
	@echo "model: $$(cat var/current-model)"

# Upgrade the database (REFUND_DB_URL) to the newest schema; services refuse to start if behind.
migrate: setup
	$(VENV)/bin/alembic upgrade head

db: setup migrate
	$(PY) -m bot.storage.seed

# Start only the website (run also starts it).
web: setup db
	$(PY) -m bot.web

validate: setup
	$(RASA) data validate --fail-on-warnings

run: setup train db
	scripts/run.sh "$$(cat var/current-model)"

# Chat in a terminal with the assistant that `make run` started (over its development REST channel).
shell: setup
	$(PY) -m bot.channels.shell

# Send the mail intake that `make run` started a message (from 张伟's registered address unless
# FROM=…; TEXT=…, SUBJECT=…) and print its reply (development writes replies to var/mail/sent/).
mail: setup
	$(PY) -m bot.commands.mail $(if $(FROM),--from "$(FROM)") $(if $(SUBJECT),--subject "$(SUBJECT)") $(if $(TEXT),--text "$(TEXT)")

test: setup train lint typecheck
	$(PY) -m pytest -q tests

# ruff (ruff.toml): pyflakes, pycodestyle, import order, bugbear over all our Python.
lint: setup
	$(VENV)/bin/ruff check .

# mypy (mypy.ini) over the domain core and the actions.
typecheck: setup
	$(VENV)/bin/mypy

# Quality, speed and size figures in results/ (several minutes; BENCH_ARGS=--quick for a short run).
bench: setup train
	$(PY) -m bench.run $(BENCH_ARGS)

# The customer conversation set through the real servers: success share per journey and overall,
# each failure's first failing turn (part of `make bench`). Example: make conversations JOURNEY=downgrade,sla_claim
conversations: setup train
	$(PY) -m bench.conversations $(if $(JOURNEY),--journey $(JOURNEY)) $(if $(ID),--id $(ID)) $(if $(DIR),--dir $(DIR))

# The money rules over 20,000 generated histories on PostgreSQL and 2,000 on SQLite (nightly; tens of
# minutes): results/money_histories_*.json say what was run and which invariants were checked.
money-histories: setup
	TEST_MONEY_HISTORIES=$(or $(HISTORIES),20000) $(PY) -m pytest -q -s tests/tickets/test_money_histories.py

nlu-report: setup train
	$(PY) scripts/nlu_report.py "$$(cat var/current-model)"

# Examples: make quote ORDER=2026112400010001 REASON=demand_change
#   make quote ORDER_FILE=examples/orders/multi_instance.json REASON=demand_change AT=2026-03-04T10:00:00+08:00
#   make quote ORDER_FILE=examples/orders/downgrade.json DOWNGRADE_TO=ecs.2c4g AT=2026-06-01T10:00:00+08:00
#   make quote ORDER_FILE=examples/orders/sla_claim.json SLA_CLAIM=1 AT=2026-11-20T10:00:00+08:00 POLICY=policies/tencent.yml
QUOTE_ACTION = $(if $(DOWNGRADE_TO),--downgrade-to $(DOWNGRADE_TO),$(if $(SLA_CLAIM),--sla-claim,--reason $(REASON)))
quote: setup $(if $(ORDER_FILE),,db)
	$(PY) -m bot.commands.quote $(if $(ORDER_FILE),--order-file $(ORDER_FILE),--order $(ORDER)) $(QUOTE_ACTION) \
		$(if $(AT),--at $(AT)) $(if $(POLICY),--policy $(POLICY))

# Staff accounts (the only staff outside development). Examples:
# make staff ARGS='add r7 --name "审核员 小周" --roles reviewer --api-token'   make staff ARGS=list
staff: setup migrate
	$(PY) -m bot.commands.staff $(ARGS)

# A week of generated activity in the development database (conversations, tickets, handoffs,
# surveys, review decisions), for the dashboard and the reviewers' queue. Example:
# make seed-week SEED_ARGS='--days 7 --seed 30'
seed-week: setup db
	REFUND_ENV=development $(PY) -m bot.commands.seed_week $(SEED_ARGS)

# Purge transcripts and uploads older than REFUND_RETENTION_DAYS (default 180). Example:
# make retention RETENTION_ARGS=--dry-run
retention: setup migrate
	$(PY) -m bot.retention $(RETENTION_ARGS)

# The whole suite with every process's clock moved (Debian's libfaketime), to prove no test depends
# on today's date. Example: make test-at DATE=2027-01-04T09:00:00Z
test-at:
	scripts/test-at-date.sh $(DATE) test

clean:
	rm -rf models var .pytest_cache
