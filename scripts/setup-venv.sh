#!/usr/bin/env bash
# Create .venv with Python 3.10 and install the pinned dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
python310=$(scripts/find-python310.sh)
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
  rm -rf .venv
  echo "creating .venv with $python310"
  "$python310" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check 'pip==24.0'
echo "installing pinned dependencies (first time: a few minutes, ~2.7 GB)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c requirements.lock
