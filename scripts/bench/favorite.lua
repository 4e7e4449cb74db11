-- Favorite or unfavorite articles as several signed-in users, each request a different (user, article) pair.
-- Arguments (after "--" on the wrk command line):
--   1. the HTTP method: POST favorites, DELETE unfavorites
--   2. a file of Authorization header values, one per line
--   3. a file of work lines: "<header line number> <slug>"
--   4. the position each thread starts at, comma-separated (a run continues where the previous one stopped)
-- Needs exactly two threads (wrk -t2): the first walks the work lines from the front, the second from the back,
-- so no line is used twice before every line is used. "last" is the position a thread reached; report.lua
-- reports it, and bench.py works out from it which lines were used.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local function read_lines(path)
   local lines = {}
   for line in io.lines(path) do
      table.insert(lines, line)
   end
   return lines
end

function init(args)
   method = args[1]
   local tokens = read_lines(args[2])
   work = {}
   for _, line in ipairs(read_lines(args[3])) do
      local token, slug = line:match("^(%d+) (.+)$")
      table.insert(work, { tokens[tonumber(token)], "/api/articles/" .. slug .. "/favorite" })
   end
   local starts = {}
   for start in args[4]:gmatch("%d+") do
      table.insert(starts, tonumber(start))
   end
   assert(#starts == 2 and id <= 1, "favorite.lua needs exactly two threads (wrk -t2)")
   position = starts[id + 1]
   last = position - 1
end

function request()
   last = position
   position = position + 1
   local index = last
   if id == 1 then
      index = #work - 1 - last
   end
   local item = work[index % #work + 1]
   return wrk.format(method, item[2], { Authorization = item[1] })
end
