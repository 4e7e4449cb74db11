-- GET the URL given to wrk with a query parameter no other request of the bench has ("uncached=<run>.<thread>.<n>",
-- which Conduit ignores), so that no request is answered from Conduit's response cache: what a read costs when
-- it goes to the database. Argument (after "--" on the wrk command line): a name for this run, different for each
-- run against one server (the warm-up's answers are still in the cache when the measured run starts).
-- report.lua reports the figures.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local run = "0"
local sent = 0

function init(args)
   run = args[1] or run
end

function request()
   sent = sent + 1
   local separator = wrk.path:find("?", 1, true) and "&" or "?"
   return wrk.format(nil, wrk.path .. separator .. "uncached=" .. run .. "." .. id .. "." .. sent)
end
