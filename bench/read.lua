-- The read benchmark's requests (bench/read.sh):
--   URLS_FILE: GET a random path of the file (one per line) on every request;
--   GQL_FILE:  POST the GraphQL query of the file with the variables in VARS
--              (JSON, default {}).
local urls_file = os.getenv("URLS_FILE")
local gql_file = os.getenv("GQL_FILE")
local paths = {}
if urls_file then
  for line in io.lines(urls_file) do paths[#paths + 1] = line end
elseif gql_file then
  local f = assert(io.open(gql_file))
  local query = f:read("*l"):gsub('"', '\\"')
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"query":"' .. query .. '","variables":' .. (os.getenv("VARS") or "{}") .. '}'
end

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init()
  math.randomseed(seed)
end

request = function()
  if #paths > 0 then
    return wrk.format("GET", paths[math.random(#paths)])
  end
  return wrk.format()
end
