#!/usr/bin/env bash
# `npm start`: builds, brings up the local stack when no service URLs are configured, migrates, and
# runs `all` (every role in its own process under one supervisor). With DATABASE_URL/REDIS_URL/
# ELASTICSEARCH_URL set, uses those. Each step reports its progress on stderr (scripts/progress.sh);
# the stack's services run in sessions of their own, so Ctrl-C stops Alertgate and leaves the stack up.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PROGRESS_PREFIX=start
# shellcheck source=scripts/progress.sh
source scripts/progress.sh
if [ -z "${DATABASE_URL:-}${REDIS_URL:-}${ELASTICSEARCH_URL:-}" ]; then
  bash scripts/stack.sh up >/dev/null
fi
run_step "building (TypeScript, admin page)" - npm run --silent build
run_step "migrating the database" - node dist/main.js migrate
printf 'start: running alertgate %s\n' "${*:-all}" >&2
exec node dist/main.js "${@:-all}"
