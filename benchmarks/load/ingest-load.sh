#!/usr/bin/env bash
# Load run for the whole ingest path: the real jar with durable group commit (fsync'd SQLite) next
# to a no-op Vert.x endpoint, same payload, same connections, same machine, same run.
#   benchmarks/load/ingest-load.sh            # defaults: 64 connections, 2 wrk threads, 20 s each
#   DURATION=30s CONNECTIONS=128 benchmarks/load/ingest-load.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-8s}     # unmeasured run first: both JVMs get their JIT work done before measuring
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
GATEWAY_PORT=${GATEWAY_PORT:-18080}
ADMIN_PORT=${ADMIN_PORT:-19090}
NOOP_PORT=${NOOP_PORT:-18081}

if ! command -v wrk >/dev/null || ! command -v sqlite3 >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk sqlite3
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -f benchmarks/reactor/pom.xml package -DskipTests   # the gateway jar and the benchmarks jar
fi

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/gateway.yaml" <<YAML
server: { host: 127.0.0.1, port: $GATEWAY_PORT, instances: 0 }
admin: { host: 127.0.0.1, port: $ADMIN_PORT }
store: { type: sqlite, path: "$work/gateway.db", queueCapacity: 20000, maxBatch: 1024 }
auth:
  signingKey: "load-run-signing-key-0123456789abcdef0123"
  clients: [ { clientId: didomi, clientSecret: load-secret } ]
integrations:
  - id: acme
    didomi: { organizationId: acme-org }
    actito: { baseUrl: sandbox, entity: acme, table: Customers, userUniqueKey: customerId }
    mappings:
      - { subscription: Newsletter, purpose: newsletter }
      - { subscription: SmsOffers, purpose: marketing, preference: channels, value: sms }
YAML

wait_for() { for _ in $(seq 1 200); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }

echo "== durable ingest (target/consent-gateway.jar, SQLite synchronous=FULL)"
java -jar target/consent-gateway.jar --config "$work/gateway.yaml" > "$work/gateway.log" 2>&1 &
gateway=$!
wait_for "http://127.0.0.1:$ADMIN_PORT/health/ready"
export TOKEN=$(curl -s -u didomi:load-secret -d grant_type=client_credentials "http://127.0.0.1:$GATEWAY_PORT/oauth/token" \
  | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s benchmarks/load/didomi-webhook.lua \
  "http://127.0.0.1:$GATEWAY_PORT/webhooks/didomi/acme" > /dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s benchmarks/load/didomi-webhook.lua \
  "http://127.0.0.1:$GATEWAY_PORT/webhooks/didomi/acme" | tee "$work/gateway.wrk"
batch=$(curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '/^gateway_store_batch_size_sum/ {s=$2} /^gateway_store_batch_size_count/ {c=$2} END {printf "%.1f", s/c}')
kill -TERM $gateway; wait $gateway || true
stored="$(sqlite3 "$work/gateway.db" 'SELECT COUNT(*) FROM webhook_inbox') webhooks in the inbox"

echo "== no-op Vert.x endpoint (baseline)"
java -cp benchmarks/target/benchmarks.jar io.consentgateway.benchmarks.load.NoopWebhookServer "$NOOP_PORT" > "$work/noop.log" 2>&1 &
noop=$!
sleep 1; for _ in $(seq 1 100); do grep -q ready "$work/noop.log" && break; sleep 0.1; done
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s benchmarks/load/didomi-webhook.lua \
  "http://127.0.0.1:$NOOP_PORT/webhooks/didomi/acme" > /dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s benchmarks/load/didomi-webhook.lua \
  "http://127.0.0.1:$NOOP_PORT/webhooks/didomi/acme" | tee "$work/noop.wrk"
kill $noop; wait $noop 2>/dev/null || true

g=$(grep '^RESULT' "$work/gateway.wrk"); n=$(grep '^RESULT' "$work/noop.wrk")
field() { echo "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }
echo
echo "== summary ($(nproc) cores, $CONNECTIONS connections, $DURATION each)"
printf "%-16s %10s %10s %10s %8s\n" run rps p50_ms p99_ms non2xx
printf "%-16s %10s %10s %10s %8s\n" durable-ingest "$(field "$g" rps)" "$(field "$g" p50_ms)" "$(field "$g" p99_ms)" "$(field "$g" non2xx)"
printf "%-16s %10s %10s %10s %8s\n" noop-baseline "$(field "$n" rps)" "$(field "$n" p50_ms)" "$(field "$n" p99_ms)" "$(field "$n" non2xx)"
echo "ratio durable/noop: $(awk -v a="$(field "$g" rps)" -v b="$(field "$n" rps)" 'BEGIN{printf "%.2f", a/b}')"
echo "store: $stored; average group-commit batch: $batch webhooks"
