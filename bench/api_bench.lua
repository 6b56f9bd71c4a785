-- wrk script of bench/api_bench.py: replays requests from a file and reports in JSON.
--
--   wrk ... -s bench/api_bench.lua http://127.0.0.1:PORT -- REQUESTS_FILE TOKEN NONCE
--
-- Each line of REQUESTS_FILE is "METHOD<TAB>PATH<TAB>BODY" (BODY may be empty);
-- each connection cycles through them. Every POST carries a fresh
-- Idempotency-Key: a UUID made of NONCE (8 hex digits, one per run), the
-- thread's number and a counter, so no two requests of a run share one.
-- At the end one line "WRK_JSON {...}" gives counts, errors and latencies.

local threads = {}
local thread_count = 0

function setup(thread)
   thread_count = thread_count + 1
   thread:set("thread_no", thread_count)
   table.insert(threads, thread)
end

local requests_list = {}
local token, nonce
local sent = 0

function init(args)
   local path = args[1]
   token, nonce = args[2], args[3]
   for line in io.lines(path) do
      local method, target, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
      if method then
         table.insert(requests_list, {method = method, path = target, body = body})
      end
   end
   if #requests_list == 0 then
      error("no requests in " .. path)
   end
end

function request()
   sent = sent + 1
   local r = requests_list[(sent - 1) % #requests_list + 1]
   local headers = {["Authorization"] = "Token " .. token, ["Accept"] = "application/json"}
   local body = nil
   if r.method == "POST" then
      headers["Idempotency-Key"] = string.format(
         "%s-%04x-4%03x-8%03x-%012x", nonce, thread_no % 0x10000, math.floor(sent / 0x1000000000000) % 0x1000,
         0, sent % 0x1000000000000
      )
      headers["Content-Type"] = "application/json"
      body = r.body
   end
   return wrk.format(r.method, r.path, headers, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
         .. '"max_us": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, '
         .. '"status_errors": %d, "timeouts": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout
   ))
end
