-- POST a view beacon for $SLUG from a new session on every request, the way
-- navigator.sendBeacon sends it (text/plain holding JSON).
local slug = os.getenv("SLUG")
local n = 0

function setup(thread)
  n = n + 1
  thread:set("prefix", string.format("wrk%02d", n))
end

local i = 0
request = function()
  i = i + 1
  local body = string.format('{"sessionId":"%s-%09d"}', prefix, i)
  return wrk.format("POST", "/v1/articles/" .. slug .. "/views", {["Content-Type"] = "text/plain;charset=UTF-8"}, body)
end
