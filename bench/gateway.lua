-- wrk script for gateway traffic: one token per request from TOKENS_FILE lines
-- ("<kind> <token>") whose kind is "valid", sent as Authorization: Bearer.
--   MODE=gateway   GET PATH through the gateway (nginx asks the auth service)
--   MODE=forward   GET /v1/forward-auth with X-Forwarded-Method / X-Forwarded-Uri, as Traefik sends
--   MODE=verify    POST /v1/verify with the token in the body and VERIFIER as the caller
-- Prints one RESULT line.
local tokens = {}
for line in io.lines(os.getenv("TOKENS_FILE")) do
  local kind, token = line:match("^(%S+) (%S+)$")
  if kind == "valid" then table.insert(tokens, token) end
end
if #tokens == 0 then error("no valid tokens in " .. os.getenv("TOKENS_FILE")) end
local mode = os.getenv("MODE") or "gateway"
local path = os.getenv("PATH_") or "/contacts/42"
local verifier = os.getenv("VERIFIER")
local n = 0
request = function()
  n = n + 1
  local token = tokens[(n % #tokens) + 1]
  if mode == "verify" then
    return wrk.format("POST", "/v1/verify",
      { ["Authorization"] = "Bearer " .. verifier, ["Content-Type"] = "application/json" },
      '{"token":"' .. token .. '","permissions":["bench:read"]}')
  elseif mode == "forward" then
    return wrk.format("GET", "/v1/forward-auth",
      { ["Authorization"] = "Bearer " .. token, ["X-Forwarded-Method"] = "GET", ["X-Forwarded-Uri"] = path })
  end
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d seconds=%.3f errors=%d p50_us=%d p99_us=%d p999_us=%d\n",
    summary.requests, summary.duration / 1e6,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
