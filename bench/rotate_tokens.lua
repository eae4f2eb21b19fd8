-- wrk script for bench/http.py.
--
--   wrk ... -s bench/rotate_tokens.lua URL [-- TOKEN_FILE]
--
-- With TOKEN_FILE (one access token a line) every request carries the next token,
-- round-robin, as "Authorization: Bearer <token>"; with no file, no Authorization
-- header at all.  Every scenario runs through this same request() so the client
-- side costs the same whatever is measured.  done() prints one machine-readable
-- RESULT line (times in microseconds) for bench/http.py to parse.

local values = {}
local count = 0
local index = 0

function init(args)
  local path = args[1]
  if path == nil or path == "" then
    return
  end
  for line in io.lines(path) do
    if line ~= "" then
      count = count + 1
      values[count] = "Bearer " .. line
    end
  end
  if count == 0 then
    error("no tokens in " .. path)
  end
end

function request()
  if count > 0 then
    index = index % count + 1
    wrk.headers["Authorization"] = values[index]
  end
  return wrk.format()
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%.1f p99_us=%.1f "
      .. "connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
