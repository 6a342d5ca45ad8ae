#!/usr/bin/env bash
# Ingest while the retention prune works through a large store, against the same store without a
# prune, same run, same machine: the real jar, durable (fsync'd) ingest, wrk on loopback.
#   benchmarks/load/prune-load.sh                  # 400 000 old webhooks and history lines, 20 s runs
#   ROWS=1000000 DURATION=30s benchmarks/load/prune-load.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

ROWS=${ROWS:-400000}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-5s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
GATEWAY_PORT=${GATEWAY_PORT:-18080}
ADMIN_PORT=${ADMIN_PORT:-19090}

if ! command -v wrk >/dev/null || ! command -v sqlite3 >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk sqlite3
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q package -DskipTests
fi

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

config() { # $1 store file, $2 retention days
  cat <<YAML
server: { host: 127.0.0.1, port: $GATEWAY_PORT, instances: 0 }
admin: { host: 127.0.0.1, port: $ADMIN_PORT }
store: { type: sqlite, path: "$1", queueCapacity: 20000, maxBatch: 1024, retentionDays: $2 }
auth:
  signingKey: "load-run-signing-key-0123456789abcdef0123"
  clients: [ { clientId: didomi, clientSecret: load-secret } ]
integrations:
  - id: acme
    didomi: { organizationId: acme-org }
    actito: { baseUrl: "sandbox:0", entity: acme, table: Customers, userUniqueKey: customerId }
    mappings:
      - { subscription: Newsletter, purpose: newsletter }
YAML
}
wait_for() { for _ in $(seq 1 600); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }
metric() { curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | awk -v m="$1" '$1 == m {print int($2)}'; }

echo "== seeding a store with $ROWS webhooks and $ROWS history lines, three days old"
config "$work/seed.db" 30 > "$work/seed.yaml"
java -jar target/consent-gateway.jar --config "$work/seed.yaml" > "$work/seed.log" 2>&1 &
seed=$!
wait_for "http://127.0.0.1:$ADMIN_PORT/health/ready"
kill -TERM $seed; wait $seed || true
old=$(( ($(date +%s) - 3 * 86400) * 1000 ))
sqlite3 "$work/seed.db" <<SQL
PRAGMA journal_mode=WAL;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO webhook_inbox (integration, dedup_key, source, type, user_key, received_at, body)
  SELECT 'acme', 'event.created:seed-' || i, 'DIDOMI', 'event.created', 'seed-' || (i % 50000) || '@example.com',
         $old + i, randomblob(400) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO dispatch_log (integration, direction, user_key, at, outcome, status, detail)
  SELECT 'acme', 'actito', 'seed-' || (i % 50000) || '@example.com', $old + i, 'delivered', NULL,
         'profile ' || i || ', 1 change(s) in one update' FROM n;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
echo "store: $(du -h "$work/seed.db" | cut -f1)"

run() { # $1 label, $2 retention days
  cp "$work/seed.db" "$work/$1.db"
  config "$work/$1.db" "$2" > "$work/$1.yaml"
  java -jar target/consent-gateway.jar --config "$work/$1.yaml" > "$work/$1.log" 2>&1 &
  local gateway=$!
  wait_for "http://127.0.0.1:$ADMIN_PORT/health/ready"
  export TOKEN=$(curl -s -u didomi:load-secret -d grant_type=client_credentials "http://127.0.0.1:$GATEWAY_PORT/oauth/token" \
    | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  if [ "$2" -lt 30 ]; then # the prune starts 30 s after start: measure once it is under way
    for _ in $(seq 1 900); do [ "$(metric gateway_store_pruned_rows_total)" -gt 0 ] 2>/dev/null && break; sleep 0.1; done
  fi
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s benchmarks/load/didomi-webhook.lua \
    "http://127.0.0.1:$GATEWAY_PORT/webhooks/didomi/acme" > /dev/null
  local before; before=$(metric gateway_store_pruned_rows_total)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s benchmarks/load/didomi-webhook.lua \
    "http://127.0.0.1:$GATEWAY_PORT/webhooks/didomi/acme" | tee "$work/$1.wrk" | grep -E '^RESULT|Requests/sec'
  echo "$1: rows pruned during the measured run: $(( $(metric gateway_store_pruned_rows_total) - before ))" | tee "$work/$1.pruned"
  kill -TERM $gateway; wait $gateway || true
}

echo "== prune under way (store.retentionDays: 1)"
run prune 1
echo "== same store, nothing to prune (store.retentionDays: 3650)"
run baseline 3650

p=$(grep '^RESULT' "$work/prune.wrk"); b=$(grep '^RESULT' "$work/baseline.wrk")
field() { echo "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }
echo
echo "== summary ($(nproc) cores, $CONNECTIONS connections, $DURATION each, $ROWS old rows per table)"
printf "%-10s %10s %10s %10s %8s\n" run rps p50_ms p99_ms non2xx
printf "%-10s %10s %10s %10s %8s\n" prune "$(field "$p" rps)" "$(field "$p" p50_ms)" "$(field "$p" p99_ms)" "$(field "$p" non2xx)"
printf "%-10s %10s %10s %10s %8s\n" baseline "$(field "$b" rps)" "$(field "$b" p50_ms)" "$(field "$b" p99_ms)" "$(field "$b" non2xx)"
echo "ratio prune/baseline: $(awk -v a="$(field "$p" rps)" -v b="$(field "$b" rps)" 'BEGIN{printf "%.2f", a/b}')"
cat "$work/prune.pruned"
