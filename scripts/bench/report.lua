-- wrk hooks shared by every scenario of scripts/bench.py.
-- setup() numbers the threads 0, 1, ... (the global "id" of each thread's script) so that a request() hook can
-- split work between them. done() prints one JSON line that bench.py parses: completed requests, run time and
-- latency percentiles in microseconds, error counts, and per thread the last work position it reached (its
-- global "last"; -1 when the scenario has no request() hook).

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function done(summary, latency, requests)
   local reached = {}
   for _, thread in ipairs(threads) do
      table.insert(reached, thread:get("last") or -1)
   end
   local errors = summary.errors
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "status_errors": %d, '
         .. '"socket_errors": %d, "reached": [%s]}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), errors.status,
      errors.connect + errors.read + errors.write + errors.timeout, table.concat(reached, ", ")))
end
