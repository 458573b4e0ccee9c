#!/usr/bin/env bash
# `Community.library(first: 20)` with and without facets, on a community of the seeded
# network holding DOCUMENTS documents (20,000 by default) and some wiki pages, on
# PostgreSQL.
#
#   bash bench/library_list.sh                   # large preset (seeding takes minutes)
#   PRESET=small bash bench/library_list.sh
#   SKIP_SEED=1 bash bench/library_list.sh       # reuse the database of a previous run
#   BIN=target/debug/maillage bash bench/library_list.sh   # no release build
#
# It installs oha if missing, creates a fresh database, seeds it, adds the documents
# (authors, themes, kinds and languages varied) to the first community of
# bench@seed.example in bulk SQL, starts the server and runs each operation for
# DURATION seconds at CONCURRENCY, printing requests per second and latency
# percentiles. Only loopback addresses are used.
set -euo pipefail
cd "$(dirname "$0")/.."

PRESET="${PRESET:-large}"
DOCUMENTS="${DOCUMENTS:-20000}"
DURATION="${DURATION:-20}"
CONCURRENCY="${CONCURRENCY:-32}"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
DB_NAME="${DB_NAME:-maillage_library_bench}"
PORT="${PORT:-18091}"
DB_URL="${PG_ADMIN%/*}/${DB_NAME}"

command -v oha >/dev/null 2>&1 || cargo install oha --locked --quiet
command -v psql >/dev/null 2>&1 || { echo "psql is needed" >&2; exit 1; }

if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet -p maillage-api
  BIN="${CARGO_TARGET_DIR:-target}/release/maillage"
fi
WORK="$(mktemp -d)"
trap 'kill "${SERVER_PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

if [ -z "${SKIP_SEED:-}" ]; then
  echo "== database ${DB_NAME} (preset ${PRESET}, ${DOCUMENTS} documents)"
  psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)" -c "CREATE DATABASE ${DB_NAME}"
  DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn "$BIN" seed --preset "$PRESET"
  psql "$DB_URL" -q -v ON_ERROR_STOP=1 -v documents="$DOCUMENTS" <<'SQL'
CREATE TEMP TABLE target AS
  SELECT c.id AS community_id, p.id AS person_id FROM community c
  JOIN membership m ON m.community_id = c.id JOIN person p ON p.id = m.person_id
  WHERE p.email = 'bench@seed.example' ORDER BY c.id LIMIT 1;
CREATE TEMP TABLE writers AS
  SELECT row_number() OVER (ORDER BY m.person_id) AS n, m.person_id FROM membership m, target t
  WHERE m.community_id = t.community_id LIMIT 50;
INSERT INTO theme (community_id, parent_id, name, created_at, updated_at)
  SELECT t.community_id, NULL, 'Thème ' || i, now(), now() FROM target t, generate_series(1, 12) i;
INSERT INTO document (community_id, subgroup_id, title, description, kind, language, tags, status, audience,
    version_count, created_by, published_version, published_at, created_at, updated_at)
  SELECT t.community_id, NULL, 'Document ' || lpad(i::text, 6, '0'), '', 
    (ARRAY['GUIDE','PROCEDURE','TOOL','PRESENTATION','REPORT','ARTICLE','TEMPLATE','OTHER'])[1 + i % 8],
    (ARRAY['fr','en','fr-ca'])[1 + i % 3], '["bench"]',
    (ARRAY['DRAFT','PUBLISHED','ARCHIVED'])[1 + i % 3], 'MEMBERS', 1, t.person_id, NULL, NULL,
    now() - i * interval '1 minute', now() - i * interval '1 minute'
  FROM target t, generate_series(1, :documents) i;
INSERT INTO document_author (document_id, person_id, position)
  SELECT d.id, w.person_id, 0 FROM document d JOIN target t ON d.community_id = t.community_id
  JOIN writers w ON w.n = 1 + d.id % (SELECT COUNT(*) FROM writers);
INSERT INTO document_theme (document_id, theme_id)
  SELECT d.id, th.id FROM document d JOIN target t ON d.community_id = t.community_id
  JOIN theme th ON th.community_id = t.community_id AND th.name = 'Thème ' || (1 + d.id % 12);
INSERT INTO wiki_page (community_id, parent_id, title, body, revision, created_by, updated_by, created_at, updated_at)
  SELECT t.community_id, NULL, 'Page ' || i, 'Texte', 1, t.person_id, t.person_id, now() - i * interval '1 hour',
    now() - i * interval '1 hour'
  FROM target t, generate_series(1, 200) i;
INSERT INTO wiki_page_revision (page_id, number, title, body, change_note, author_id, created_at)
  SELECT p.id, 1, p.title, p.body, '', p.created_by, p.created_at FROM wiki_page p JOIN target t ON p.community_id = t.community_id;
SQL
fi
psql "$DB_URL" -q -c "VACUUM ANALYZE"
SLUG=$(psql "$DB_URL" -Atc "SELECT c.slug FROM community c JOIN membership m ON m.community_id = c.id JOIN person p ON p.id = m.person_id WHERE p.email = 'bench@seed.example' ORDER BY c.id LIMIT 1")
echo "community ${SLUG}: $(psql "$DB_URL" -Atc "SELECT COUNT(*) FROM document d JOIN community c ON c.id = d.community_id WHERE c.slug = '${SLUG}'") documents"
TOKEN=$(DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn "$BIN" token --email bench@seed.example)

DATABASE_URL="$DB_URL" MAILLAGE_LOG=warn MAILLAGE_GRAPHIQL=false \
  MAILLAGE_RATE_LIMIT_IP_COST_PER_MINUTE=1000000000000 MAILLAGE_RATE_LIMIT_PERSON_COST_PER_MINUTE=1000000000000 \
  "$BIN" serve --listen "127.0.0.1:${PORT}" &
SERVER_PID=$!
until curl -sf "http://127.0.0.1:${PORT}/health" >/dev/null; do sleep 0.05; done

run() {
  local name="$1" query="$2"
  printf '{"operationName":"%s","query":"query %s { community(slug: \\"%s\\") { %s } }"}' \
    "$name" "$name" "$SLUG" "$query" > "$WORK/$name.json"
  curl -sf "http://127.0.0.1:${PORT}/graphql" -H "Authorization: Bearer ${TOKEN}" -H 'Content-Type: application/json' \
    -d @"$WORK/$name.json" | grep -q '"errors"' && { echo "$name answers errors" >&2; exit 1; }
  echo "== ${name}"
  oha --no-tui -z "${DURATION}s" -c "$CONCURRENCY" -m POST \
      -H "Authorization: Bearer ${TOKEN}" -H 'Content-Type: application/json' -H 'Accept-Encoding: identity' \
      -D "$WORK/$name.json" "http://127.0.0.1:${PORT}/graphql" \
    | grep -E 'Success rate|Requests/sec|50.00%|95.00%|99.00%|\[200\]|\[4|\[5' || true
}

ITEMS='edges { node { __typename ... on Document { id title kind } ... on WikiPage { id title } } }'
FACETS='facets { themes { theme { id name } count } kinds { kind count } languages { language count } authors { person { id } count } }'
run Library "library(first: 20) { totalCount ${ITEMS} }"
run LibraryFacets "library(first: 20) { totalCount ${ITEMS} ${FACETS} }"
run LibraryByTitle "library(first: 20, orderBy: { field: TITLE }, filter: { kinds: [GUIDE, TOOL] }) { totalCount ${ITEMS} }"
