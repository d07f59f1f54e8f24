#!/usr/bin/env bash
# Start the action server, the website and the Rasa server for local use. Usage: scripts/run.sh MODEL
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?model path}
mkdir -p var/logs
web_port=${REFUND_WEB_PORT:-8000}
# A developer's machine (REFUND_ENV has no default) and its public secrets (bot/settings.py
# refuses them outside REFUND_ENV=development).
export REFUND_ENV=${REFUND_ENV:-development}
export REFUND_ACTION_TOKEN=${REFUND_ACTION_TOKEN:-dev-action-token-change-me}
# Rasa's HTTP server buffers request bodies up to this size (Sanic's default is 100 MB).
export SANIC_REQUEST_MAX_SIZE=${SANIC_REQUEST_MAX_SIZE:-1048576}

SANIC_HOST=127.0.0.1 .venv/bin/python -m actions.server --port 5055 > var/logs/actions.log 2>&1 &
actions_pid=$!
.venv/bin/python -m bot.web > var/logs/web.log 2>&1 &
web_pid=$!
.venv/bin/python -m bot.mail > var/logs/mail.log 2>&1 &
mail_pid=$!
trap 'kill $actions_pid $web_pid $mail_pid 2>/dev/null || true' EXIT

cat <<MSG
Starting the refund assistant (model: $model) ...
  website:       http://127.0.0.1:${web_port}/   log in as c1001 / demo123, then open the chat widget
  action server: http://127.0.0.1:5055  (log: var/logs/actions.log)
  Rasa server:   http://127.0.0.1:5005  (HTTP API needs ?token=\$REFUND_RASA_TOKEN)
  mail intake:   smtp://127.0.0.1:${REFUND_MAIL_PORT:-2525} for ${REFUND_MAIL_ADDRESS:-support@refund.example.com}
                 (log: var/logs/mail.log; replies in var/mail/sent/ unless REFUND_MAIL_RELAY is set)

Once "Rasa server is up and running" appears below you can also chat in a terminal:
  make shell
send the mail intake a message (and see its reply):
  make mail
or over REST:
  curl -s localhost:5005/webhooks/rest/webhook -H 'Content-Type: application/json' -d '{"sender": "me", "message": "我要退款"}'
On the REST and shell channels the demo customer (REFUND_DEMO_CUSTOMER, default c1001 张伟)
stands in for the logged-in user, in development only. Press Ctrl-C to stop.
MSG
.venv/bin/rasa run --model "$model" --enable-api --auth-token "${REFUND_RASA_TOKEN:-dev-rasa-token-change-me}" \
  --interface 127.0.0.1 --port 5005 --credentials credentials.yml --endpoints endpoints.yml
