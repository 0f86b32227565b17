-- GET a discovery route with a different target on every request, so that the
-- per-node response cache does not answer: MODE is "related" (a random article
-- from $SLUGS_FILE), "recommendations" (a random demo reader session) or
-- "search" (a random query from a fixed list, some typed halfway).
local mode = os.getenv("MODE")
local slugs = {}
for line in io.lines(os.getenv("SLUGS_FILE")) do slugs[#slugs + 1] = line end
local queries = {
  "inflation", "central bank", "\"interest rates\"", "election", "climate summit", "transfer", "stocks",
  "infl", "elec", "housing market", "vaccine", "startup funding", "parliament vote", "wildfire",
  "championship", "renewable energy", "infaltion", "strike", "budget", "festival",
}
local sessions = tonumber(os.getenv("SESSIONS") or "200000")
local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000) + tonumber(tostring({}):sub(8), 16))
end

request = function()
  if mode == "related" then
    return wrk.format("GET", "/v1/articles/" .. slugs[math.random(#slugs)] .. "/related?limit=" .. math.random(3, 12))
  elseif mode == "recommendations" then
    local s = string.format("demo-reader-%06d", math.random(0, sessions - 1))
    return wrk.format("GET", "/v1/recommendations?sessionId=" .. s .. "&article=" .. slugs[math.random(#slugs)])
  else
    local q = queries[math.random(#queries)]
    return wrk.format("GET", "/v1/search?q=" .. encode(q) .. "&limit=" .. math.random(10, 20))
  end
end
