#!/usr/bin/env bash
# A backlog of USERS users (default 1 000 000) waiting while Actito is down must not grow the heap:
# the dispatcher leases due users from the store a page at a time. This starts the real jar twice
# against an unreachable Actito — once on an empty store (baseline), once on a store holding the
# backlog — and reports the live heap after a full GC in each.
#   benchmarks/backlog/backlog-heap.sh            USERS=200000 benchmarks/backlog/backlog-heap.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

USERS=${USERS:-1000000}
SETTLE_SECONDS=${SETTLE_SECONDS:-20}
PORT=${PORT:-18180}
ADMIN_PORT=${ADMIN_PORT:-19190}

command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
[ -f target/consent-gateway.jar ] && [ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q package -DskipTests

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
config() {
cat > "$work/gateway.yaml" <<YAML
server: { host: 127.0.0.1, port: $PORT, instances: 0 }
admin: { host: 127.0.0.1, port: $ADMIN_PORT }
store: { type: sqlite, path: "$1" }
auth:
  signingKey: "backlog-run-signing-key-0123456789abcdef"
  clients: [ { clientId: didomi, clientSecret: backlog-secret } ]
integrations:
  - id: acme
    didomi: { organizationId: acme-org }
    actito: { baseUrl: "http://127.0.0.1:$dead_port", apiKey: unused, entity: acme, table: Customers, userUniqueKey: customerId, upsertMode: true }
    mappings:
      - { subscription: Newsletter, purpose: newsletter }
YAML
}

wait_ready() { for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$ADMIN_PORT/health/ready" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

measure() { # $1 = store file; prints "heap_used_mb backlog"
  config "$1"
  java -Xmx2g -jar target/consent-gateway.jar --config "$work/gateway.yaml" > "$work/run.log" 2>&1 &
  local pid=$!
  wait_ready
  sleep "$SETTLE_SECONDS"
  jcmd "$pid" GC.run >/dev/null
  sleep 1
  local used
  used=$(jcmd "$pid" GC.heap_info | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+')
  local status
  status=$(curl -s "http://127.0.0.1:$ADMIN_PORT/admin/integrations/acme/status")
  kill -TERM "$pid"; wait "$pid" || true
  echo "$((used / 1024)) $(echo "$status" | sed -E 's/.*"backlog":([0-9]+).*/\1/')"
}

echo "== creating the schema"
config "$work/backlog.db"
java -jar target/consent-gateway.jar --config "$work/gateway.yaml" > "$work/schema.log" 2>&1 &
pid=$!; wait_ready; kill -TERM $pid; wait $pid || true
cp "$work/backlog.db" "$work/empty.db"

echo "== filling a backlog of $USERS users"
now=$(($(date +%s) * 1000))
sqlite3 "$work/backlog.db" <<SQL
PRAGMA journal_mode=WAL;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $USERS)
INSERT INTO user_state (integration, user_key, desired, pending_changes, dirty_since, next_attempt_at, attempts, updated_at)
SELECT 'acme', 'user-' || i || '@example.com',
  CAST('{"v":1,"user":"user-' || i || '@example.com","newest":$now,"subscriptions":{"Newsletter":[true,$now,0]},"attributes":{}}' AS BLOB),
  1, $now, $now, 0, $now FROM n;
SQL

echo "== empty store (baseline), Actito unreachable"
read -r base_heap base_backlog < <(measure "$work/empty.db")
echo "== $USERS users waiting, Actito unreachable"
read -r heap backlog < <(measure "$work/backlog.db")

echo
echo "heap after full GC: empty store ${base_heap} MB (backlog $base_backlog); backlog store ${heap} MB (backlog $backlog)"
echo "difference: $((heap - base_heap)) MB for $backlog waiting users"
