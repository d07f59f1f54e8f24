#!/usr/bin/env bash
# Run `make test` with every process's clock moved to another moment (Debian's libfaketime), to
# prove that no test depends on the day it runs. Every process gets the same offset from the
# real clock (an absolute FAKETIME would start each process's clock afresh when it starts, and
# tokens signed by one service would look stale or premature to another).
# Usage: scripts/test-at-date.sh 2027-01-04T09:00:00Z [make targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/test-at-date.sh YYYY-MM-DDTHH:MM:SSZ [targets]}
shift
lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1 || true)
if [ -z "$lib" ]; then
  echo "error: libfaketime is needed: apt-get install libfaketime" >&2
  exit 1
fi
offset=$(( $(date -d "$target" +%s) - $(date +%s) ))
sign=$([ "$offset" -ge 0 ] && echo + || echo -)
echo "running with the clock at $target (offset ${sign}${offset#-} s)"
FAKETIME="${sign}${offset#-}" LD_PRELOAD="$lib" make "${@:-test}"
