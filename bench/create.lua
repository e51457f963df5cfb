-- wrk script for POST /v1/api-users/{USER_ID}/tokens with a fresh name per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SESSION")
local path = "/v1/api-users/" .. os.getenv("USER_ID") .. "/tokens"
local n = 0
local id = tostring(math.random(1e9))
setup = function(thread) thread:set("id", tostring(math.random(1e9))) end
request = function()
  n = n + 1
  return wrk.format(nil, path, nil, '{"name":"w' .. id .. '-' .. n .. '"}')
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d seconds=%.3f errors=%d p50_us=%d p99_us=%d p999_us=%d\n",
    summary.requests, summary.duration / 1e6,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
