# Shared settings for the project's scripts. Sourced, not run.
# Every path and port can be overridden from the environment.
set -euo pipefail
GOVOPEN_ROOT="${GOVOPEN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
GOVOPEN_LOCAL="${GOVOPEN_LOCAL:-$GOVOPEN_ROOT/.local}"        # git-ignored data folder
GOVOPEN_CACHE="${GOVOPEN_CACHE:-$HOME/.cache/govopen}"        # survives clones: Solr jars
GOVOPEN_VENV="${GOVOPEN_VENV:-$GOVOPEN_ROOT/.venv}"
PG_PORT="${GOVOPEN_PG_PORT:-5433}"
PG_USER="${GOVOPEN_PG_USER:-govopen}"
PG_PASSWORD="${GOVOPEN_PG_PASSWORD:-govopen}"
# The DataStore's read-only user (datastore_search and previews read as it; it can write nothing).
PG_RO_USER="${GOVOPEN_PG_RO_USER:-govopen_ro}"
PG_RO_PASSWORD="${GOVOPEN_PG_RO_PASSWORD:-govopen_ro}"
REDIS_PORT="${GOVOPEN_REDIS_PORT:-6380}"
SOLR_PORT="${GOVOPEN_SOLR_PORT:-8983}"
SOLR_VERSION="9.10.1"
PYTHON="${GOVOPEN_PYTHON:-python3.11}"

step() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die()  { printf '\033[1;31mError:\033[0m %s\n' "$*" >&2; exit 1; }

# wait_for DESCRIPTION SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
  local what="$1" secs="$2"; shift 2
  local i
  for ((i = 0; i < secs * 2; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  die "$what did not come up within ${secs}s"
}
