-- POST the article-page GraphQL query of bench/graphql-page.graphql for the slug
-- in the SLUG environment variable.
local slug = os.getenv("SLUG")
local f = assert(io.open("bench/graphql-page.graphql"))
local query = f:read("*l")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"' .. query .. '","variables":{"slug":"' .. slug .. '"}}'
