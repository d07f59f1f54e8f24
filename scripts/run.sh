#!/usr/bin/env bash
# Start the action server and the Rasa server for local use. Usage: scripts/run.sh MODEL
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?model path}
mkdir -p var/logs
: "${REFUND_RASA_TOKEN:=dev-rasa-token-change-me}"
export REFUND_RASA_TOKEN

SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --port 5055 --actions actions > var/logs/actions.log 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null || true' EXIT

cat <<MSG
Starting the refund assistant (model: $model) ...
  action server: http://127.0.0.1:5055  (log: var/logs/actions.log)
  Rasa server:   http://127.0.0.1:5005  (HTTP API needs ?token=\$REFUND_RASA_TOKEN)

To chat, once "Rasa server is up and running" appears below, open another terminal here and run:
  make shell
or send a message over REST:
  curl -s localhost:5005/webhooks/rest/webhook -d '{"sender": "me", "message": "我要退款"}'
In development the demo customer (REFUND_DEMO_CUSTOMER, default c1001 张伟) stands in for
the logged-in user. Press Ctrl-C to stop.
MSG
.venv/bin/rasa run --model "$model" --enable-api --auth-token "$REFUND_RASA_TOKEN" \
  --interface 127.0.0.1 --port 5005 --credentials credentials.yml --endpoints endpoints.yml
