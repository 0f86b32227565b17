-- GET a discovery route with a different target on every request, so that the
-- per-node response cache does not answer: MODE is "related" (a random article
-- from $SLUGS_FILE), "recommendations" (a random demo reader session) or
-- "search" (a composed query, see below).
local mode = os.getenv("MODE")
local slugs = {}
for line in io.lines(os.getenv("SLUGS_FILE")) do slugs[#slugs + 1] = line end
-- Search queries are composed from words of the demo's stories, so that few
-- repeat: one or two words, a word typed halfway (search as you type), a quoted
-- phrase, or a word with two letters swapped (a typo).
local words = {
  "inflation", "election", "summit", "ceasefire", "refugees", "sanctions", "border", "treaty", "protest",
  "parliament", "budget", "reform", "senate", "campaign", "policy", "minister", "referendum", "cabinet",
  "dividends", "bonds", "pensions", "portfolio", "savings", "stocks", "retirement", "markets", "recession",
  "housing", "employers", "households", "startup", "researchers", "engineers", "regulators", "players",
  "coaches", "championship", "festival", "critics", "audiences", "novel", "library", "growth", "exports",
  "productivity", "climate", "energy", "transfer", "strike", "vaccine",
}
-- Phrases name the demo's subjects; the generator's stock phrases ("far from
-- settled"), found in nearly every demo article, are left out: see RESULTS.md.
local phrases = {
  "central bank", "interest rates", "index funds", "compound interest", "party leaders", "fund managers",
  "early adopters", "consumer spending",
}
local function word() return words[math.random(#words)] end
local function query()
  local r = math.random(100)
  if r <= 35 then return word()
  elseif r <= 60 then return word() .. " " .. word()
  elseif r <= 75 then local w = word(); return w:sub(1, math.random(3, #w - 1))
  elseif r <= 85 then local w = word(); return word() .. " " .. w:sub(1, math.random(3, #w - 1))
  elseif r <= 95 then return '"' .. phrases[math.random(#phrases)] .. '"'
  else
    local w = word()
    local i = math.random(1, #w - 1)
    return w:sub(1, i - 1) .. w:sub(i + 1, i + 1) .. w:sub(i, i) .. w:sub(i + 2)
  end
end
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
    return wrk.format("GET", "/v1/search?q=" .. encode(query()) .. "&limit=" .. math.random(10, 20))
  end
end
