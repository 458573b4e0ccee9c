#!/usr/bin/env bash
# Soak: Maillage on PostgreSQL for SOAK_SECS at SHARE % of the throughput it reached in
# a short maximum run, with a writer posting replies beside the readers; prints, per
# window, the requests per second, p50/p99 latency, failed requests and the server's
# resident memory, then checks that every reply the server acknowledged is in the
# database.
#
#   bash bench/soak.sh                         # 10 minutes at 80 %, large preset
#   RESTART=1 bash bench/soak.sh               # the same, PostgreSQL restarted in the middle
#   SOAK_SECS=120 WINDOW=20 PRESET=small bash bench/soak.sh   # a short try
#
# The PostgreSQL is the script's own (initdb and pg_ctl in a temporary directory, on
# PG_PORT): the shared server is never stopped. With RESTART=1 it is restarted
# (`pg_ctl restart -m fast`) halfway through the soak; requests meanwhile may fail (the
# server answers 503 UNAVAILABLE while the database is away) and must succeed again once
# it is back; no acknowledged write may be missing at the end.
#
# Settings (environment):
#   SOAK_SECS (600)  WINDOW (30)  SHARE (80)  CONNECTIONS (8)  PRESET (large|small)
#   RESTART (unset)  SKIP_BUILD (unset)  PG_PORT (55433)  PORT (18095)
#   WRITE_EVERY (0.2 s between two replies of the writer)
# Needs: psql, jq, curl, PostgreSQL's server binaries (initdb, pg_ctl), oha (installed
# with cargo when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SOAK_SECS="${SOAK_SECS:-600}"
WINDOW="${WINDOW:-30}"
SHARE="${SHARE:-80}"
CONNECTIONS="${CONNECTIONS:-8}"
PRESET="${PRESET:-large}"
PG_PORT="${PG_PORT:-55433}"
PORT="${PORT:-18095}"
WRITE_EVERY="${WRITE_EVERY:-0.2}"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in psql jq curl; do command -v "$tool" >/dev/null 2>&1 || die "$tool is needed"; done
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PG_BIN/initdb" ] || die "PostgreSQL's initdb is needed (/usr/lib/postgresql/*/bin)"

if [ -z "${SKIP_BUILD:-}" ]; then
  log "cargo build --release"
  cargo build --release --quiet -p maillage-api
fi
BIN="$ROOT/target/release/maillage"
[ -x "$BIN" ] || die "$BIN is missing (run without SKIP_BUILD)"
command -v oha >/dev/null 2>&1 || cargo install oha --locked --quiet
if [[ "$(oha --help)" == *--output-format* ]]; then OHA_JSON=(--output-format json); else OHA_JSON=(--json); fi

WORK=$(mktemp -d)
chmod 755 "$WORK"
PGDATA="$WORK/pgdata"
# initdb refuses to run as root: run PostgreSQL as the postgres user then.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_ctl_() { as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/postgres.log" -w "$@"; }
cleanup() {
  [ -n "${WRITER_PID:-}" ] && kill "$WRITER_PID" 2>/dev/null || true
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -d "$PGDATA" ] && pg_ctl_ stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$PGDATA"
[ "$(id -u)" = 0 ] && chown postgres "$WORK" "$PGDATA"
log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') in $PGDATA on port $PG_PORT"
as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres -A trust >/dev/null
pg_ctl_ -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=512MB" start >/dev/null
DB_URL="postgres://postgres@127.0.0.1:${PG_PORT}/maillage_soak"
psql "postgres://postgres@127.0.0.1:${PG_PORT}/postgres" -qX -c "CREATE DATABASE maillage_soak"

log "seeding the $PRESET preset"
DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn "$BIN" seed --preset "$PRESET" >/dev/null
psql "$DB_URL" -qX -c "VACUUM ANALYZE"
TOKEN=$(DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn "$BIN" token --email bench@seed.example)
SLUG=$(psql "$DB_URL" -qAtX -c "SELECT c.slug FROM community c JOIN membership m ON m.community_id = c.id JOIN person p ON p.id = m.person_id WHERE p.email = 'bench@seed.example' AND m.status = 'ACTIVE' ORDER BY c.id LIMIT 1")
[ -n "$SLUG" ] || SLUG=$(psql "$DB_URL" -qAtX -c "SELECT c.slug FROM community c JOIN membership m ON m.community_id = c.id JOIN person p ON p.id = m.person_id WHERE p.email = 'bench@seed.example' ORDER BY c.id LIMIT 1")

DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn MAILLAGE_GRAPHIQL=false \
  MAILLAGE_RATE_LIMIT_IP_COST_PER_MINUTE=1000000000000 MAILLAGE_RATE_LIMIT_PERSON_COST_PER_MINUTE=1000000000000 \
  "$BIN" serve --listen "127.0.0.1:${PORT}" 2>"$WORK/server.log" &
SERVER_PID=$!
URL="http://127.0.0.1:${PORT}/graphql"
for _ in $(seq 1 500); do curl -sf "http://127.0.0.1:${PORT}/readyz" >/dev/null && break; sleep 0.02; done
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
RSS_START=$(rss_kb)

gql() { curl -s --max-time 10 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$1" "$URL"; }
THREAD=$(gql "{\"query\":\"{ community(slug: \\\"$SLUG\\\") { threads(first: 1) { edges { node { id } } } } }\"}" \
  | jq -r '.data.community.threads.edges[0].node.id // empty')
[ -n "$THREAD" ] || die "no thread to reply in for bench@seed.example in $SLUG"

# The readers' operation: the nested read of the side-by-side benchmark.
jq -nc --arg slug "$SLUG" '{operationName: "CommunityThreads", query: ("query CommunityThreads { community(slug: \"" + $slug + "\") { threads(first: 20) { edges { node { title posts(first: 5) { edges { node { body } } } } } } } }")}' >"$WORK/read.json"
oha_window() { # SECONDS [RATE] > JSON
  local rate=()
  [ -n "${2:-}" ] && rate=(-q "$2")
  oha --no-tui "${OHA_JSON[@]}" -z "${1}s" -c "$CONNECTIONS" "${rate[@]}" -m POST \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H 'Accept: application/json' -H 'Accept-Encoding: identity' \
    -D "$WORK/read.json" "$URL"
}

log "maximum throughput (${WINDOW} s, $CONNECTIONS connections)"
oha_window "$WINDOW" >"$WORK/max.json"
MAX=$(jq '(.statusCodeDistribution["200"] // 0) / .summary.total | floor' "$WORK/max.json")
RATE=$((MAX * SHARE / 100))
[ "$RATE" -gt 0 ] || die "no successful request in the maximum run"
log "maximum ${MAX} req/s; soaking at ${RATE} req/s (${SHARE} %) for ${SOAK_SECS} s"

# The writer: one reply every WRITE_EVERY seconds; an acknowledged reply (its id in the
# answer) is appended to acked, anything else counted in write_failures.
: >"$WORK/acked"
: >"$WORK/write_failures"
(
  n=0
  while :; do
    n=$((n + 1))
    body="soak-$$-$n"
    answer=$(gql "{\"query\":\"mutation(\$t: ID!, \$b: String!) { createPost(input: { threadId: \$t, body: \$b }) { post { id } } }\",\"variables\":{\"t\":\"$THREAD\",\"b\":\"$body\"}}" || true)
    if [ -n "$(jq -r '.data.createPost.post.id // empty' <<<"$answer" 2>/dev/null)" ]; then
      echo "$body" >>"$WORK/acked"
    else
      echo "$body $(jq -c '[.errors[]?.extensions.code]' <<<"$answer" 2>/dev/null || echo no-answer)" >>"$WORK/write_failures"
    fi
    sleep "$WRITE_EVERY"
  done
) &
WRITER_PID=$!

WINDOWS=$((SOAK_SECS / WINDOW))
HALF=$((WINDOWS / 2 + 1))
printf '\n| window | at s | req/s | p50 ms | p99 ms | failed | RSS MB |\n| --- | --- | --- | --- | --- | --- | --- |\n'
START=$(date +%s)
for w in $(seq 1 "$WINDOWS"); do
  if [ -n "${RESTART:-}" ] && [ "$w" = "$HALF" ]; then
    (sleep "$((WINDOW / 3))"; log "restarting PostgreSQL"; pg_ctl_ restart -m fast >/dev/null; log "PostgreSQL is back") &
  fi
  oha_window "$WINDOW" "$RATE" >"$WORK/w$w.json"
  jq -r --argjson w "$w" --argjson at "$(( $(date +%s) - START ))" --argjson rss "$(rss_kb)" '
    (.statusCodeDistribution // {}) as $codes
    | ([$codes | to_entries[] | select(.key != "200") | .value] | add // 0) as $bad
    | ([(.errorDistribution // {}) | to_entries[] | select(.key | test("deadline") | not) | .value] | add // 0) as $err
    | "| \($w) | \($at) | \((($codes["200"] // 0) / .summary.total) | floor) | \(.latencyPercentiles.p50 * 1000 * 10 | round / 10) | \(.latencyPercentiles.p99 * 1000 * 10 | round / 10) | \($bad + $err) | \($rss / 1024 | floor) |"' "$WORK/w$w.json"
done
kill "$WRITER_PID" 2>/dev/null || true
wait "$WRITER_PID" 2>/dev/null || true
WRITER_PID=

ACKED=$(wc -l <"$WORK/acked")
WRITE_FAILED=$(wc -l <"$WORK/write_failures")
psql "$DB_URL" -qAtX -c "SELECT body FROM post WHERE body LIKE 'soak-$$-%'" | sort >"$WORK/stored"
MISSING=$(sort "$WORK/acked" | comm -23 - "$WORK/stored" | wc -l)
RSS_END=$(rss_kb)
FAILED=$(cat "$WORK"/w*.json | jq -s '[.[] | ((.statusCodeDistribution // {}) | to_entries | map(select(.key != "200") | .value) | add // 0) + ((.errorDistribution // {}) | to_entries | map(select(.key | test("deadline") | not) | .value) | add // 0)] | add')
SERVED=$(cat "$WORK"/w*.json | jq -s '[.[] | .statusCodeDistribution["200"] // 0] | add')

printf '\nreads: %s served, %s failed; writes: %s acknowledged, %s failed, %s acknowledged but missing\n' \
  "$SERVED" "$FAILED" "$ACKED" "$WRITE_FAILED" "$MISSING"
printf 'server resident memory: %s MB at start, %s MB at the end\n' "$((RSS_START / 1024))" "$((RSS_END / 1024))"
if [ -s "$WORK/write_failures" ]; then
  log "failed writes (first 5):"; head -5 "$WORK/write_failures" >&2
fi
[ "$MISSING" = 0 ] || die "$MISSING acknowledged replies are missing"
