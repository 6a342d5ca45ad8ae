#!/usr/bin/env bash
# Drain of a backlog of USERS dirty users (default 100 000) against the bundled Actito sandbox at
# Actito's real limits (5 concurrent calls, 100 calls a minute, the sandbox's import latency):
#   1. the API lane alone (bulk disabled) for MINUTE_SECONDS, projected to the whole backlog;
#   2. with the bulk lane (actito.bulk.enabled), measured until the backlog is 0,
# with the heap sampled every 2 s while draining (used, no forced GC) and after a full GC at the end.
#   benchmarks/bulk/bulk-drain.sh            USERS=20000 benchmarks/bulk/bulk-drain.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

USERS=${USERS:-100000}
MINUTE_SECONDS=${MINUTE_SECONDS:-60}
PORT=${PORT:-18280}
ADMIN_PORT=${ADMIN_PORT:-19290}

command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
[ -f target/consent-gateway.jar ] && [ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q package -DskipTests

work=$(mktemp -d)
# LOGS=dir keeps the gateways' logs there
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${LOGS:-}" ] && mkdir -p "$LOGS" && cp "$work"/*.log "$LOGS"/; rm -rf "$work"' EXIT
sandbox_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
config() { # $1 store file, $2 bulk enabled
cat > "$work/gateway.yaml" <<YAML
server: { host: 127.0.0.1, port: $PORT, instances: 0 }
admin: { host: 127.0.0.1, port: $ADMIN_PORT }
store: { type: sqlite, path: "$1" }
auth:
  signingKey: "bulk-drain-signing-key-0123456789abcdef"
  clients: [ { clientId: didomi, clientSecret: drain-secret } ]
integrations:
  - id: acme
    didomi: { organizationId: acme-org }
    actito:
      baseUrl: "sandbox:$sandbox_port"
      entity: acme
      table: Customers
      userUniqueKey: customerId
      upsertMode: true
      apiVersion: v5
      bulk: { enabled: $2, etlId: "42", minBacklog: 5000 }
    mappings:
      - { subscription: Newsletter, purpose: newsletter }
    metadataAttributes: [first_name, country]
YAML
}

wait_ready() { for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$ADMIN_PORT/health/ready" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
backlog() { curl -s "http://127.0.0.1:$ADMIN_PORT/admin/integrations/acme/status" | sed -E 's/.*"backlog":([0-9]+).*/\1/'; }
heap_used() { jcmd "$1" GC.heap_info | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+'; }

echo "== creating the schema"
config "$work/backlog.db" false
java -jar target/consent-gateway.jar --config "$work/gateway.yaml" > "$work/schema.log" 2>&1 &
pid=$!; wait_ready; kill -TERM $pid; wait $pid || true

echo "== filling a backlog of $USERS users (one subscription, two attributes each)"
now=$(($(date +%s) * 1000))
sqlite3 "$work/backlog.db" <<SQL
PRAGMA journal_mode=WAL;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $USERS)
INSERT INTO user_state (integration, user_key, desired, pending_changes, dirty_since, next_attempt_at, attempts, updated_at)
SELECT 'acme', 'user-' || i || '@example.com',
  CAST('{"v":1,"user":"user-' || i || '@example.com","newest":$now,"subscriptions":{"Newsletter":[true,$now,0]},'
    || '"attributes":{"first_name":["s","P' || i || '",$now,0],"country":["s","BE",$now,0]}}' AS BLOB),
  1, $now, $now, 0, $now FROM n;
SQL
cp "$work/backlog.db" "$work/api.db"

echo "== API lane alone, ${MINUTE_SECONDS} s"
config "$work/api.db" false
java -Xmx1g -jar target/consent-gateway.jar --config "$work/gateway.yaml" > "$work/api.log" 2>&1 &
pid=$!; wait_ready
start_backlog=$(backlog)
sleep "$MINUTE_SECONDS"
end_backlog=$(backlog)
kill -TERM $pid; wait $pid || true
api_done=$((start_backlog - end_backlog))
api_per_min=$(python3 -c "print(round($api_done * 60 / $MINUTE_SECONDS, 1))")
api_hours=$(python3 -c "print(round($USERS / max($api_done * 60 / $MINUTE_SECONDS, 0.001) / 60, 1))")
echo "api lane: $api_done users in $MINUTE_SECONDS s = $api_per_min / min; whole backlog: $api_hours h (projected)"

echo "== with the bulk lane, until the backlog is 0"
config "$work/backlog.db" true
t0=$(date +%s.%N)
java -Xmx1g -jar target/consent-gateway.jar --config "$work/gateway.yaml" > "$work/bulk.log" 2>&1 &
pid=$!; wait_ready
max_heap=0
for _ in $(seq 1 1800); do
  used=$(heap_used "$pid"); [ "$used" -gt "$max_heap" ] && max_heap=$used
  [ "$(backlog)" = 0 ] && break
  sleep 2
done
t1=$(date +%s.%N)
left=$(backlog)
jcmd "$pid" GC.run >/dev/null; sleep 1
after_gc=$(heap_used "$pid")
status=$(curl -s "http://127.0.0.1:$ADMIN_PORT/admin/integrations/acme/status")
kill -TERM $pid; wait $pid || true
bulk_seconds=$(python3 -c "print(round($t1 - $t0, 1))")
grep -E "BulkLane" "$work/bulk.log" | sed 's/^/  /' || true
echo "bulk lane: backlog $USERS -> $left in $bulk_seconds s (start-up included); heap used while draining at most $((max_heap / 1024)) MB, $((after_gc / 1024)) MB after a full GC"
echo "ratio: API lane projected $(python3 -c "print(round($USERS / max($api_done * 60 / $MINUTE_SECONDS, 0.001) * 60, 0))") s / bulk $bulk_seconds s = $(python3 -c "print(round(($USERS / max($api_done * 60 / $MINUTE_SECONDS, 0.001) * 60) / ($t1 - $t0), 1))")x"
echo "bulk status: $(echo "$status" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get("bulk")))')"
