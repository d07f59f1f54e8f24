#!/usr/bin/env bash
# Print the path of a working Python 3.10 interpreter, or explain how to get one.
set -u
candidates=("${PYTHON310:-}" python3.10 "$HOME/.pyenv/versions/"3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10)
for c in "${candidates[@]}"; do
  [ -n "$c" ] || continue
  path=$(command -v "$c" 2>/dev/null) || continue
  if "$path" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
cat >&2 <<'MSG'
error: Python 3.10 was not found. Rasa Open Source 3.6 supports Python 3.8-3.10 only.
Install Python 3.10 (e.g. `pyenv install 3.10.13`, or your distribution's python3.10 package
with venv support) or point PYTHON310 at its interpreter, then run the command again.
MSG
exit 1
