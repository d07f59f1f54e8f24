#!/usr/bin/env bash
# Print a hash of everything that shapes the trained model.
set -euo pipefail
cd "$(dirname "$0")/.."
find config.yml domain.yml data nlu_components bot/nlu requirements.lock -type f \
  \( -name '*.yml' -o -name '*.yaml' -o -name '*.py' -o -name '*.txt' -o -name '*.lock' \) -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
