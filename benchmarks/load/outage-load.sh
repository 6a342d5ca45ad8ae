#!/usr/bin/env bash
# Ingest with Actito up against ingest with Actito unreachable (guarantee 12, "outages cost nothing"):
# the real jar, same payload, same connections, same machine, back to back, RUNS times each.
#   up:   the Actito sandbox in its own JVM at Actito's real limits (5 concurrent, 100 calls per minute)
#   down: actito.baseUrl on a loopback port nothing listens on (connection refused)
# Each run starts a fresh gateway on a fresh store, warms it up (WARMUP, unmeasured), then measures.
#   benchmarks/load/outage-load.sh                     # defaults: 3 runs, 64 connections, 20 s each
#   RUNS=5 DURATION=30s benchmarks/load/outage-load.sh
#   JAR=/path/to/other/consent-gateway.jar SKIP_BUILD=1 benchmarks/load/outage-load.sh   # another build
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS=${RUNS:-3}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-8s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
GATEWAY_PORT=${GATEWAY_PORT:-18080}
ADMIN_PORT=${ADMIN_PORT:-19090}
SANDBOX_PORT=${SANDBOX_PORT:-18089}
CLOSED_PORT=${CLOSED_PORT:-18099}   # nothing may listen here
JAR=${JAR:-target/consent-gateway.jar}

if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q package -DskipTests
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$CLOSED_PORT") 2>/dev/null; then
  echo "port $CLOSED_PORT answers: pick a CLOSED_PORT nothing listens on" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
wait_for() { for _ in $(seq 1 300); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }

echo "== Actito sandbox (own JVM, 5 concurrent, 100 calls per 60 s)"
java -cp "$JAR" io.consentgateway.sandbox.actito.ActitoSandboxMain --port "$SANDBOX_PORT" --entity acme \
  --table Customers --unique-key customerId --subscriptions Newsletter,SmsOffers --api-key load-api-key \
  --max-concurrent 5 --calls-per-window 100 --window-seconds 60 > "$work/sandbox.log" 2>&1 &
wait_for "http://127.0.0.1:$SANDBOX_PORT/_sandbox/stats"

# one measured run: $1 = label, $2 = Actito base URL; appends "label rps p50 p99 non2xx" to results
run() {
  local label=$1 base=$2 dir="$work/$1-$3"
  mkdir -p "$dir"
  cat > "$dir/gateway.yaml" <<YAML
server: { host: 127.0.0.1, port: $GATEWAY_PORT, instances: 0 }
admin: { host: 127.0.0.1, port: $ADMIN_PORT }
store: { type: sqlite, path: "$dir/gateway.db", queueCapacity: 20000, maxBatch: 1024 }
auth:
  signingKey: "load-run-signing-key-0123456789abcdef0123"
  clients: [ { clientId: didomi, clientSecret: load-secret } ]
integrations:
  - id: acme
    didomi: { organizationId: acme-org }
    actito:
      baseUrl: "$base"
      apiKey: load-api-key
      entity: acme
      table: Customers
      userUniqueKey: customerId
      upsertMode: true
      breakerResetMs: 30000
    mappings:
      - { subscription: Newsletter, purpose: newsletter }
      - { subscription: SmsOffers, purpose: marketing, preference: channels, value: sms }
YAML
  java -jar "$JAR" --config "$dir/gateway.yaml" > "$dir/gateway.log" 2>&1 &
  local gateway=$!
  wait_for "http://127.0.0.1:$ADMIN_PORT/health/ready"
  export TOKEN=$(curl -s -u didomi:load-secret -d grant_type=client_credentials "http://127.0.0.1:$GATEWAY_PORT/oauth/token" \
    | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s benchmarks/load/didomi-webhook.lua \
    "http://127.0.0.1:$GATEWAY_PORT/webhooks/didomi/acme" > /dev/null
  local cpu_before; cpu_before=$(cpu_ticks $gateway)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s benchmarks/load/didomi-webhook.lua \
    "http://127.0.0.1:$GATEWAY_PORT/webhooks/didomi/acme" > "$dir/wrk.out"
  local cpu_after; cpu_after=$(cpu_ticks $gateway)
  local state rows
  state=$(curl -s "http://127.0.0.1:$ADMIN_PORT/admin/integrations/acme/status" | grep -o '"state":"[a-z_]*"' | tail -1 | cut -d'"' -f4 || true)
  kill -TERM $gateway; wait $gateway || true
  # what the dispatcher wrote per user meanwhile (history rows): an outage should add next to none
  rows=$( (command -v sqlite3 >/dev/null && sqlite3 "$dir/gateway.db" 'SELECT COUNT(*) FROM dispatch_log') || echo "?")
  local r; r=$(grep '^RESULT' "$dir/wrk.out" || true)
  # the gateway's own CPU per webhook: far less sensitive than the rate to what else the machine runs
  local cpu_us; cpu_us=$(awk -v a="$cpu_before" -v b="$cpu_after" -v n="$(field "$r" requests)" -v hz="$(getconf CLK_TCK)" \
    'BEGIN{printf "%.0f", (b - a) / hz * 1e6 / n}')
  printf "%-5s %3s %10s %8s %8s %7s %9s %-14s %9s\n" "$label" "$3" "$(field "$r" rps)" "$(field "$r" p50_ms)" \
    "$(field "$r" p99_ms)" "$(field "$r" non2xx)" "$cpu_us" "${state:--}" "$rows" | tee -a "$work/results"
}
field() { echo "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime of the process, all its threads

echo "== $RUNS runs each, $CONNECTIONS connections, $DURATION measured after $WARMUP warm-up, $(nproc) cores"
printf "%-5s %3s %10s %8s %8s %7s %9s %-14s %9s\n" actito run rps p50_ms p99_ms non2xx cpu_us/req licence_state log_rows
for i in $(seq 1 "$RUNS"); do
  run up "http://127.0.0.1:$SANDBOX_PORT" "$i"
  run down "http://127.0.0.1:$CLOSED_PORT" "$i"
done

stats() { # median, min, max of column $2 for label $1
  awk -v l="$1" -v c="$2" '$1 == l {print $c}' "$work/results" | sort -n | awk '
    {v[NR] = $1} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %s %s", m, v[1], v[NR]}'
}
read -r up_med up_min up_max <<< "$(stats up 3)"
read -r down_med down_min down_max <<< "$(stats down 3)"
read -r up99_med up99_min up99_max <<< "$(stats up 5)"
read -r down99_med down99_min down99_max <<< "$(stats down 5)"
read -r upcpu_med upcpu_min upcpu_max <<< "$(stats up 7)"
read -r downcpu_med downcpu_min downcpu_max <<< "$(stats down 7)"
echo
echo "== summary (median, min–max over $RUNS runs)"
echo "actito up:          $up_med webhooks/s ($up_min–$up_max), p99 $up99_med ms ($up99_min–$up99_max)," \
  "gateway CPU $upcpu_med µs/webhook ($upcpu_min–$upcpu_max)"
echo "actito unreachable: $down_med webhooks/s ($down_min–$down_max), p99 $down99_med ms ($down99_min–$down99_max)," \
  "gateway CPU $downcpu_med µs/webhook ($downcpu_min–$downcpu_max)"
echo "ratio unreachable/up (medians): $(awk -v a="$down_med" -v b="$up_med" 'BEGIN{printf "%.2f", a/b}') webhooks/s," \
  "$(awk -v a="$downcpu_med" -v b="$upcpu_med" 'BEGIN{printf "%.2f", a/b}') CPU per webhook — target ≥ 0.90 and p99 ≤ 50 ms"
