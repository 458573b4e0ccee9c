#!/usr/bin/env bash
# Load benchmark of Maillage on the large synthetic network, against PostgreSQL.
#
#   bash bench/load.sh            # large preset (about 2.2 million rows; seeding takes minutes)
#   PRESET=small bash bench/load.sh
#   SKIP_SEED=1 bash bench/load.sh   # reuse the database seeded by a previous run
#
# It installs oha (HTTP load generator) if missing, creates a fresh database, seeds it,
# starts the release server, measures start-up, runs named GraphQL operations for
# DURATION seconds each, and prints requests per second, latency percentiles and the
# server's resident memory after the load. Only loopback addresses are used.
set -euo pipefail
cd "$(dirname "$0")/.."

PRESET="${PRESET:-large}"
DURATION="${DURATION:-20}"
CONCURRENCY="${CONCURRENCY:-32}"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
DB_NAME="${DB_NAME:-maillage_bench}"
PORT="${PORT:-18090}"
DB_URL="${PG_ADMIN%/*}/${DB_NAME}"

command -v oha >/dev/null 2>&1 || cargo install oha --locked --quiet
command -v psql >/dev/null 2>&1 || { echo "psql is needed" >&2; exit 1; }

cargo build --release --quiet
BIN=target/release/maillage
WORK="$(mktemp -d)"
trap 'kill "${SERVER_PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

if [ -z "${SKIP_SEED:-}" ]; then
  echo "== database ${DB_NAME} (preset ${PRESET})"
  psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)" -c "CREATE DATABASE ${DB_NAME}"
  DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn "$BIN" seed --preset "$PRESET"
fi
psql "$DB_URL" -q -c "VACUUM ANALYZE"  # as autovacuum would after a bulk load
echo "rows: $(psql "$DB_URL" -Atc "SELECT (SELECT COUNT(*) FROM person) || ' people, ' || (SELECT COUNT(*) FROM community) || ' communities, ' || (SELECT COUNT(*) FROM membership) || ' memberships, ' || (SELECT COUNT(*) FROM post) || ' posts'")"
TOKEN=$(DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn "$BIN" token --email bench@seed.example)

echo "== start-up"
START=$(date +%s.%N)
DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn MAILLAGE_GRAPHIQL=false \
  MAILLAGE_RATE_LIMIT_IP_COST_PER_MINUTE=1000000000000 MAILLAGE_RATE_LIMIT_PERSON_COST_PER_MINUTE=1000000000000 \
  "$BIN" serve --listen "127.0.0.1:${PORT}" &
SERVER_PID=$!
until curl -sf "http://127.0.0.1:${PORT}/health" >/dev/null; do sleep 0.02; done
END=$(date +%s.%N)
awk -v s="$START" -v e="$END" 'BEGIN { printf "start-up to healthy: %.2f s\n", e - s }'
echo "resident memory after start: $(awk '/VmRSS/ {print $2, $3}' /proc/$SERVER_PID/status)"

SLUG=$(psql "$DB_URL" -Atc "SELECT c.slug FROM community c JOIN membership m ON m.community_id = c.id JOIN person p ON p.id = m.person_id WHERE p.email = 'bench@seed.example' ORDER BY c.id LIMIT 1")

run() {
  local name="$1" body="$2"
  echo "$body" > "$WORK/$name.json"
  echo "== ${name}"
  oha --no-tui -z "${DURATION}s" -c "$CONCURRENCY" -m POST \
      -H "Authorization: Bearer ${TOKEN}" -H 'Content-Type: application/json' -H 'Accept-Encoding: identity' \
      -D "$WORK/$name.json" "http://127.0.0.1:${PORT}/graphql" \
    | grep -E 'Success rate|Requests/sec|50.00%|95.00%|99.00%|\[200\]|\[4|\[5' || true
}

run MyCommunitiesPage '{"operationName":"MyCommunitiesPage","query":"query MyCommunitiesPage { communities(first: 50) { edges { node { id slug name visibility } } } }"}'
run MyCommunities '{"operationName":"MyCommunities","query":"query MyCommunities { communities(first: 50) { totalCount edges { node { id slug name visibility } } } }"}'
run CommunityThreads "{\"operationName\":\"CommunityThreads\",\"query\":\"query CommunityThreads { community(slug: \\\"${SLUG}\\\") { threads(first: 20) { edges { node { title posts(first: 5) { edges { node { body } } } } } } } }\"}"

echo "== memory"
echo "resident memory after the load: $(awk '/VmRSS/ {print $2, $3}' /proc/$SERVER_PID/status)"
