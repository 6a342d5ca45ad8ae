-- wrk script: POSTs Didomi event.created webhooks, each with its own event id and user, so that
-- every request is a new change the gateway must store (no duplicate short-cut).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end

local template = '{"type":"event.created","parameters":{"entity":{"id":"load-%d-%d","organization_id":"acme-org",' ..
  '"created_at":"2026-11-20T09:15:02.120Z","updated_at":"2026-11-20T09:15:02.120Z","status":"confirmed","regulation":"gdpr",' ..
  '"user":{"id":"u-%d","organization_user_id":"user-%d@example.com","metadata":{"first_name":"Ann","language":"fr","loyalty_tier":"gold"}},' ..
  '"consents":{"purposes":[{"id":"newsletter","enabled":true},{"id":"marketing","enabled":true,"values":{"channels":{"value":"email,sms"}}},' ..
  '{"id":"analytics","enabled":null}],"vendors":{"enabled":[],"disabled":[]}}}}}'

function request()
  counter = counter + 1
  local body = string.format(template, tid, counter, counter % 50000, counter % 50000)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("RESULT requests=%d duration_s=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
