-- The benchmark's one wrk script (tests/bench/load.py). Without arguments wrk asks for its URL, with
-- the headers given by -H. With a file after "--" it plays that list (tests/bench/mix.py: one request a
-- line, method, path, headers "name: value" joined by \x1f, body; tab-separated) round-robin, each
-- thread starting at its own place. done() prints the figures as one JSON line, which load.py reads.
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  plain = wrk.format()
  requests = {}
  if args[1] == nil then return end
  for line in io.lines(args[1]) do
    local method, path, headers, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local h = {}
    for pair in string.gmatch(headers, "[^\31]+") do
      local name, value = pair:match("^([^:]+): (.*)$")
      h[name] = value
    end
    if body == "" then body = nil end
    table.insert(requests, wrk.format(method, path, h, body))
  end
  position = math.floor((#requests / 2) * (id - 1)) % #requests + 1
end

function request()
  if #requests == 0 then return plain end
  local r = requests[position]
  position = position % #requests + 1
  return r
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nBENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "errors": %d, "status": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
