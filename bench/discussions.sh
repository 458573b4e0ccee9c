#!/usr/bin/env bash
# Discussions and directory under load (issue 14, item 9), on the large preset, against
# PostgreSQL, in one run:
#
#   (a) Plain   the plain threads query of bench/load.sh:
#               community { threads(first: 20) { title posts(first: 5) { body } } }
#   (b) Rich    the same with what issue 14 added: unreadCount kind acceptedAnswer { id }
#               and the reactions { reaction count } of each reply
#   (c) People  people(filter: { text: "infirm" } first: 20) { id displayName }
#
#   bash bench/discussions.sh                          # seeds maillage_bench (minutes), builds
#   SKIP_BUILD=1 SKIP_SEED=1 bash bench/discussions.sh # reuse the build and the database
#   DURATION=3 ROUNDS=1 SKIP_BUILD=1 SKIP_SEED=1 bash bench/discussions.sh   # a short try
#
# What it does, in order:
#  1. Builds the release server (unless SKIP_BUILD=1; BIN names another binary), installs
#     oha if missing.
#  2. Unless SKIP_SEED=1: drops and re-creates DB_NAME and seeds the large preset, as
#     bench/load.sh does. Then, when the database holds no reaction yet, adds in one
#     transaction of bulk SQL what the preset lacks for (b) (see DISCUSSIONS below):
#     thread kinds (questions, calls to all, case discussions), accepted answers and the
#     times of first reply and answer, reactions on about half of the replies, the read
#     state of every thread's author and repliers (following, read up to their own last
#     reply) and the benchmark person's read state in their communities (three threads
#     in four opened, some read to the end, some not). The plain query (a) reads none of
#     these columns or tables. Reusing the database (SKIP_SEED=1) adds them once.
#     The directory needs nothing: the preset gives every third person the profession
#     "Soins infirmiers" (visible to the network, the default), which "infirm" matches.
#  3. Starts the server as bench/load.sh does (rate limits out of the way) and checks that
#     (a), (b) and (c) answer without errors and with full pages, and that (b)'s page
#     holds questions, accepted answers, reactions and unread replies.
#  4. Runs ROUNDS rounds; each round runs (a), (b), (c) one after the other for DURATION
#     seconds at CONCURRENCY connections (oha), after a warm-up of WARMUP seconds each
#     before the first round. Prints each window (req/s of answers with status 200, p50,
#     p99, the 1-minute load average of the machine when the window ended) and a table of
#     medians over the rounds, with the ratio (b)/(a) of the req/s.
#
# Knobs: SKIP_BUILD, SKIP_SEED, BIN, DURATION (15), CONCURRENCY (32), ROUNDS (3), WARMUP (3),
# DB_NAME (maillage_bench), PG_ADMIN (postgres://postgres@127.0.0.1:5432/postgres), PORT (18092).
# Only loopback addresses are used.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-15}"
CONCURRENCY="${CONCURRENCY:-32}"
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-3}"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
DB_NAME="${DB_NAME:-maillage_bench}"
PORT="${PORT:-18092}"
DB_URL="${PG_ADMIN%/*}/${DB_NAME}"

die() { echo "discussions: $*" >&2; exit 1; }
for tool in psql curl jq; do command -v "$tool" >/dev/null 2>&1 || die "$tool is needed"; done
[ "$ROUNDS" -ge 1 ] 2>/dev/null || die "ROUNDS must be a whole number, at least 1"
command -v oha >/dev/null 2>&1 || cargo install oha --locked --quiet
if [[ "$(oha --help)" == *--output-format* ]]; then OHA_JSON=(--output-format json); else OHA_JSON=(--json); fi

if [ -z "${BIN:-}" ]; then
  [ -n "${SKIP_BUILD:-}" ] || cargo build --release --quiet -p maillage-api
  BIN="${CARGO_TARGET_DIR:-target}/release/maillage"
fi
[ -x "$BIN" ] || die "$BIN is missing (run without SKIP_BUILD)"
WORK="$(mktemp -d)"
trap 'kill "${SERVER_PID:-0}" 2>/dev/null || true; wait "${SERVER_PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

if [ -z "${SKIP_SEED:-}" ]; then
  echo "== database ${DB_NAME} (preset large)"
  psql "$PG_ADMIN" -qX -c "DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)" -c "CREATE DATABASE ${DB_NAME}"
  DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn "$BIN" seed --preset large
fi

# DISCUSSIONS: what the preset lacks for the rich query, in one transaction. hashtext()
# spreads kinds and reactions over threads and replies deterministically (a community's
# 20 threads have ids 5,000 apart, so `id % n` would give them all the same kind).
if [ "$(psql "$DB_URL" -qAtX -c "SELECT COUNT(*) FROM post_reaction")" = 0 ]; then
  echo "== discussions: kinds, accepted answers, reactions, read state (bulk SQL)"
  START=$(date +%s.%N)
  psql "$DB_URL" -qX -v ON_ERROR_STOP=1 <<'SQL'
BEGIN;
-- Kinds: 30 % questions, 10 % calls to all, 10 % case discussions, the rest discussions.
UPDATE thread SET kind = CASE (hashtext('kind' || id) & 2147483647) % 10
    WHEN 0 THEN 'QUESTION' WHEN 1 THEN 'QUESTION' WHEN 2 THEN 'QUESTION'
    WHEN 3 THEN 'CALL_FOR_INPUT' WHEN 4 THEN 'CASE_DISCUSSION' ELSE 'DISCUSSION' END,
  language = CASE WHEN id % 3 = 0 THEN 'en' ELSE 'fr-CA' END;
-- Every thread has replies (10 each): its first reply came 2 hours after it.
UPDATE thread SET first_reply_at = created_at + interval '2 hours';
-- Two questions in three have an accepted answer: their first reply.
UPDATE thread t SET accepted_post_id = f.post_id, answered_at = t.created_at + interval '1 day'
  FROM (SELECT thread_id, MIN(id) AS post_id FROM post GROUP BY thread_id) f
  WHERE f.thread_id = t.id AND t.kind = 'QUESTION' AND (hashtext('accepted' || t.id) & 2147483647) % 3 <> 0;
-- Reactions: USEFUL on 40 % of replies, THANKS on 20 %, AGREE on 20 %, each from one
-- person of the network.
INSERT INTO post_reaction (post_id, person_id, reaction, created_at)
  SELECT p.id, 1 + (hashtext(r.reaction || p.id) & 2147483647) % 200000, r.reaction, p.created_at + interval '1 hour'
  FROM post p
  CROSS JOIN (VALUES ('USEFUL', 4), ('THANKS', 2), ('AGREE', 2)) AS r(reaction, tenths)
  WHERE (hashtext('react' || r.reaction || p.id) & 2147483647) % 10 < r.tenths;
-- Read state: the repliers of a thread follow it and have read it up to their last reply;
-- its author follows it too (and has read nothing since posting it).
INSERT INTO thread_reader (thread_id, person_id, last_read_post_id, read_at, following, created_at, updated_at)
  SELECT thread_id, author_id, MAX(id), MAX(created_at), true, MIN(created_at), MAX(created_at)
  FROM post GROUP BY thread_id, author_id;
INSERT INTO thread_reader (thread_id, person_id, last_read_post_id, read_at, following, created_at, updated_at)
  SELECT id, author_id, NULL, created_at, true, created_at, created_at FROM thread
  ON CONFLICT (person_id, thread_id) DO NOTHING;
-- The benchmark person, in the threads of their communities: three in four opened; of
-- those, half read to the end, half read up to their third reply.
INSERT INTO thread_reader (thread_id, person_id, last_read_post_id, read_at, following, created_at, updated_at)
  SELECT t.id, b.id,
    CASE WHEN (hashtext('read' || t.id) & 2147483647) % 2 = 0
      THEN (SELECT MAX(p.id) FROM post p WHERE p.thread_id = t.id)
      ELSE (SELECT p.id FROM post p WHERE p.thread_id = t.id ORDER BY p.id OFFSET 2 LIMIT 1) END,
    now(), false, now(), now()
  FROM person b JOIN membership m ON m.person_id = b.id JOIN thread t ON t.community_id = m.community_id
  WHERE b.email = 'bench@seed.example' AND (hashtext('opened' || t.id) & 2147483647) % 4 <> 0
  ON CONFLICT (person_id, thread_id) DO NOTHING;
COMMIT;
SQL
  END=$(date +%s.%N)
  awk -v s="$START" -v e="$END" 'BEGIN { printf "discussion data added in %.1f s\n", e - s }'
  psql "$DB_URL" -qX -c "VACUUM ANALYZE"
fi
echo "rows: $(psql "$DB_URL" -qAtX -c "SELECT (SELECT COUNT(*) FROM person) || ' people, ' || (SELECT COUNT(*) FROM community) || ' communities, ' || (SELECT COUNT(*) FROM thread) || ' threads (' || (SELECT COUNT(*) FROM thread WHERE kind = 'QUESTION') || ' questions, ' || (SELECT COUNT(*) FROM thread WHERE accepted_post_id IS NOT NULL) || ' answered), ' || (SELECT COUNT(*) FROM post) || ' posts, ' || (SELECT COUNT(*) FROM post_reaction) || ' reactions, ' || (SELECT COUNT(*) FROM thread_reader) || ' read states, ' || (SELECT COUNT(*) FROM person WHERE lower(profession) LIKE '%infirm%') || ' people whose profession matches \"infirm\"'")"

TOKEN=$(DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn "$BIN" token --email bench@seed.example)
SLUG=$(psql "$DB_URL" -qAtX -c "SELECT c.slug FROM community c JOIN membership m ON m.community_id = c.id JOIN person p ON p.id = m.person_id WHERE p.email = 'bench@seed.example' ORDER BY c.id LIMIT 1")
[ -n "$SLUG" ] || die "the bench person has no community"

DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn MAILLAGE_GRAPHIQL=false \
  MAILLAGE_RATE_LIMIT_IP_COST_PER_MINUTE=1000000000000 MAILLAGE_RATE_LIMIT_PERSON_COST_PER_MINUTE=1000000000000 \
  "$BIN" serve --listen "127.0.0.1:${PORT}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 500); do curl -sf "http://127.0.0.1:${PORT}/health" >/dev/null && break; sleep 0.02; done
curl -sf "http://127.0.0.1:${PORT}/health" >/dev/null || { cat "$WORK/server.log" >&2; die "the server did not start"; }

# The queries (a), (b), (c); (b) is (a) plus issue 14's fields.
declare -A QUERY TITLE
QUERY[Plain]="query Plain { community(slug: \"${SLUG}\") { threads(first: 20) { edges { node { title posts(first: 5) { edges { node { body } } } } } } } }"
QUERY[Rich]="query Rich { community(slug: \"${SLUG}\") { threads(first: 20) { edges { node { title unreadCount kind acceptedAnswer { id } posts(first: 5) { edges { node { body reactions { reaction count } } } } } } } } }"
QUERY[People]='query People { people(filter: { text: "infirm" }, first: 20) { edges { node { id displayName } } } }'
TITLE[Plain]='(a) `community { threads(first: 20) { posts(first: 5) } }`'
TITLE[Rich]='(b) the same with `unreadCount kind acceptedAnswer { id }` and `reactions { reaction count }`'
TITLE[People]='(c) `people(filter: { text: "infirm" } first: 20)`'
OPS=(Plain Rich People)
for op in "${OPS[@]}"; do
  jq -cn --arg q "${QUERY[$op]}" --arg n "$op" '{operationName: $n, query: $q}' >"$WORK/$op.json"
done
ask() {
  curl -sf "http://127.0.0.1:${PORT}/graphql" -H "Authorization: Bearer ${TOKEN}" \
    -H 'Content-Type: application/json' -d @"$WORK/$1.json"
}

echo "== checks"
for op in "${OPS[@]}"; do
  ask "$op" >"$WORK/$op.answer" || die "$op: no answer"
  jq -e '.errors == null' "$WORK/$op.answer" >/dev/null || { jq -c .errors "$WORK/$op.answer" >&2; die "$op answers errors"; }
done
jq -e '[.data.community.threads.edges[].node.posts.edges | length] == [range(20) | 5]' "$WORK/Plain.answer" >/dev/null \
  || die "Plain: expected 20 threads of 5 replies"
jq -c '.data.community.threads.edges | map(.node) | {threads: length,
  questions: map(select(.kind == "QUESTION")) | length, accepted: map(select(.acceptedAnswer != null)) | length,
  unread_threads: map(select(.unreadCount > 0)) | length, unread: map(.unreadCount) | add,
  reactions: [.[].posts.edges[].node.reactions[].count] | add, reacted: [.[].posts.edges[].node | select(.reactions != [])] | length,
  replies: [.[].posts.edges[]] | length}' "$WORK/Rich.answer" >"$WORK/Rich.counts"
jq -r '"Rich: \(.threads) threads, \(.questions) questions, \(.accepted) accepted answers, \(.unread_threads) threads with unread replies (\(.unread) replies), \(.reactions) reactions on \(.reacted) of \(.replies) replies"' "$WORK/Rich.counts"
jq -e '.threads == 20 and .accepted > 0 and .unread_threads > 0 and .reacted > 0' "$WORK/Rich.counts" >/dev/null \
  || die "Rich: the page lacks accepted answers, unread replies or reactions (seed the discussions)"
jq -e '.data.people.edges | length == 20' "$WORK/People.answer" >/dev/null || die "People: expected 20 people"
echo "People: 20 people, first $(jq -r '.data.people.edges[0].node.displayName' "$WORK/People.answer")"

# window ROUND OP SECONDS: one oha run; appends a JSON line to results (round 0: warm-up).
window() {
  local round="$1" op="$2" secs="$3" out="$WORK/oha_${1}_${2}.json"
  oha --no-tui "${OHA_JSON[@]}" -z "${secs}s" -c "$CONCURRENCY" -m POST \
    -H "Authorization: Bearer ${TOKEN}" -H 'Content-Type: application/json' -H 'Accept-Encoding: identity' \
    -D "$WORK/$op.json" "http://127.0.0.1:${PORT}/graphql" >"$out"
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$WORK/server.log" >&2; die "the server died"; }
  [ "$round" = 0 ] && return
  jq -c --argjson round "$round" --arg op "$op" --arg load "$(cut -d' ' -f1 /proc/loadavg)" '
    (.statusCodeDistribution // {}) as $codes | ($codes["200"] // 0) as $ok
    | {round: $round, op: $op, rps: ($ok / .summary.total), failed: ([$codes | to_entries[] | select(.key != "200") | .value] | add // 0),
       p50: (.latencyPercentiles.p50 * 1000), p99: (.latencyPercentiles.p99 * 1000), load: ($load | tonumber)}' \
    "$out" >>"$WORK/results.jsonl"
  tail -1 "$WORK/results.jsonl" | jq -r '"   round \(.round) \(.op): \(.rps | floor) req/s, p50 \(.p50 * 10 | round / 10) ms, p99 \(.p99 * 10 | round / 10) ms, load \(.load)\(if .failed > 0 then ", \(.failed) FAILED" else "" end)"'
}

if [ "$WARMUP" -gt 0 ]; then
  echo "== warm-up (${WARMUP} s each)"
  for op in "${OPS[@]}"; do window 0 "$op" "$WARMUP"; done
fi
: >"$WORK/results.jsonl"
echo "== load: ${ROUNDS} rounds of ${DURATION} s per operation, ${CONCURRENCY} connections, alternating (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
for round in $(seq "$ROUNDS"); do
  for op in "${OPS[@]}"; do window "$round" "$op" "$DURATION"; done
done

echo
echo "Medians over ${ROUNDS} rounds of ${DURATION} s, ${CONCURRENCY} connections; load average (1 min) at the end of the windows: $(jq -s 'map(.load) | min' "$WORK/results.jsonl") to $(jq -s 'map(.load) | max' "$WORK/results.jsonl")."
echo
echo "| operation | req/s | p50 | p99 |"
echo "| --- | --- | --- | --- |"
for op in "${OPS[@]}"; do
  jq -rs --arg op "$op" --arg title "${TITLE[$op]}" '
    def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    map(select(.op == $op)) as $w
    | "| \($title) | **\($w | map(.rps) | median | floor)** | \($w | map(.p50) | median * 10 | round / 10) ms | \($w | map(.p99) | median * 10 | round / 10) ms |"' \
    "$WORK/results.jsonl"
done
jq -rs '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  ((map(select(.op == "Rich") | .rps) | median) / (map(select(.op == "Plain") | .rps) | median)) as $r
  | (map(select(.op == "People") | .rps) | median) as $people
  | "\nratio (b)/(a) of req/s: \($r * 100 | round / 100) (target ≥ 1: \(if $r >= 1 then "met" else "not met" end)); directory \($people | floor) req/s (target ≥ 500: \(if $people >= 500 then "met" else "not met" end)); failed requests: \(map(.failed) | add)"' \
  "$WORK/results.jsonl"
