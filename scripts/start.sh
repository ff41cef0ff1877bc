#!/usr/bin/env bash
# `npm start`: builds, brings up the local stack when no service URLs are configured, migrates, and
# runs `all` (every role in its own process under one supervisor). With DATABASE_URL/REDIS_URL/
# ELASTICSEARCH_URL set, uses those.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -z "${DATABASE_URL:-}${REDIS_URL:-}${ELASTICSEARCH_URL:-}" ]; then
  bash scripts/stack.sh up >/dev/null
fi
npm run --silent build
node dist/main.js migrate
exec node dist/main.js "${@:-all}"
