#!/usr/bin/env bash
# Upload and download of one large file through the library, with the server's resident
# memory sampled during each transfer (it must not grow with the file's size).
#
#   bash bench/library.sh [SIZE_MB] [DATABASE_URL]
#
# Uses the debug build in $CARGO_TARGET_DIR (or target/); SQLite in a temporary
# directory unless a PostgreSQL URL is given (its database must be empty).
set -euo pipefail
size_mb=${1:-100}
database_url=${2:-}
bin=${CARGO_TARGET_DIR:-target}/debug/maillage
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
base=http://127.0.0.1:$port
export MAILLAGE_DATA_DIR=$work MAILLAGE_LISTEN=127.0.0.1:$port MAILLAGE_LOG=warn \
  MAILLAGE_MAX_UPLOAD_MB=$((size_mb + 10)) MAILLAGE_REQUEST_TIMEOUT_SECS=600 MAILLAGE_STATEMENT_TIMEOUT_MS=600000
if [ -n "$database_url" ]; then export DATABASE_URL=$database_url; fi
"$bin" serve &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs "$base/livez" >/dev/null && break; sleep 0.2; done
token=$("$bin" token --email bench@network.example --network-admin | tail -1)
gql() { curl -fs "$base/graphql" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$1"; }
community=$(gql '{"query":"mutation { createCommunity(input: { slug: \"bench\", name: \"Bench\", description: \"x\", visibility: NETWORK, membershipPolicy: OPEN }) { community { id } } }"}' \
  | sed -E 's/.*"id":"([^"]+)".*/\1/')
printf '%%PDF-1.7\n' > "$work/file.pdf"
head -c $((size_mb * 1024 * 1024 - 9)) /dev/urandom >> "$work/file.pdf"

# The largest resident set of the server while a command runs, in MiB.
peak_rss() {
  local peak=0 rss
  "$@" &
  local job=$!
  while kill -0 $job 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
    [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 0.1
  done
  wait $job
  echo $((peak / 1024))
}
idle=$(( $(awk '/VmRSS/ {print $2}' /proc/$server/status) / 1024 ))
operations='{"query":"mutation($input: CreateDocumentInput!) { createDocument(input: $input) { document { currentVersion { id sha256 } } } }","variables":{"input":{"communityId":"'$community'","title":"Bench","kind":"OTHER","language":"fr","file":null}}}'
upload() {
  curl -fs "$base/graphql" -H "Authorization: Bearer $token" -F "operations=$operations" \
    -F 'map={"0":["variables.input.file"]}' -F "0=@$work/file.pdf;filename=file.pdf" > "$work/answer.json"
}
start=$(date +%s.%N); up_rss=$(peak_rss upload); up_secs=$(echo "$(date +%s.%N) - $start" | bc)
version=$(sed -E 's/.*"id":"([^"]+)".*/\1/' "$work/answer.json")
download() { curl -fs "$base/files/$version" -H "Authorization: Bearer $token" -o "$work/back.pdf"; }
start=$(date +%s.%N); down_rss=$(peak_rss download); down_secs=$(echo "$(date +%s.%N) - $start" | bc)
cmp "$work/file.pdf" "$work/back.pdf"
echo "size ${size_mb} MiB; server idle RSS ${idle} MiB"
echo "upload:   $(echo "scale=1; $size_mb / $up_secs" | bc) MiB/s, peak RSS ${up_rss} MiB"
echo "download: $(echo "scale=1; $size_mb / $down_secs" | bc) MiB/s, peak RSS ${down_rss} MiB"
