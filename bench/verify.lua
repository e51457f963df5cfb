-- wrk script for POST /v1/verify: picks a token per request from TOKENS_FILE lines
-- ("<kind> <token>") whose kind is in KINDS (comma-separated), and prints one RESULT line.
local tokens = {}
local kinds = {}
for k in string.gmatch(os.getenv("KINDS") or "valid", "[^,]+") do kinds[k] = true end
for line in io.lines(os.getenv("TOKENS_FILE")) do
  local kind, token = line:match("^(%S+) (%S+)$")
  if kind and kinds[kind] then table.insert(tokens, '{"token":"' .. token .. '"}') end
end
if #tokens == 0 then error("no tokens of kinds " .. (os.getenv("KINDS") or "valid")) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("VERIFIER")
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/v1/verify", nil, tokens[(n % #tokens) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d seconds=%.3f errors=%d p50_us=%d p99_us=%d p999_us=%d\n",
    summary.requests, summary.duration / 1e6,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
