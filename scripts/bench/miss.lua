-- GET the URL given to wrk with a query parameter no other request of the run has ("&miss=<thread>.<n>"), so that
-- no request is answered from Conduit's response cache: what a read costs when it goes to the database.
-- report.lua reports the figures.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local sent = 0

function request()
   sent = sent + 1
   local separator = wrk.path:find("?", 1, true) and "&" or "?"
   return wrk.format(nil, wrk.path .. separator .. "miss=" .. id .. "." .. sent)
end
