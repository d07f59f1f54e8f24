#!/usr/bin/env bash
# Train the Rasa model only when its inputs changed; print the model path.
set -euo pipefail
cd "$(dirname "$0")/.."
hash=$(scripts/model-hash.sh)
model="models/refund-${hash}.tar.gz"
if [ ! -f "$model" ]; then
  echo "training model ${hash} (inputs changed or no cached model)" >&2
  .venv/bin/rasa train --fixed-model-name "refund-${hash}" --out models >&2
  # Keep only the current model.
  find models -name 'refund-*.tar.gz' ! -name "refund-${hash}.tar.gz" -delete
fi
echo "$model"
