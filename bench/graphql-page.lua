-- POST the article-page GraphQL query for the slug in the SLUG environment variable.
local slug = os.getenv("SLUG")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"query Page($slug: String!) { article(slug: $slug) { id slug title summary publishedAt updatedAt readingTimeMinutes views heroImage { src alt } section { slug name path { slug name } } tags { slug name } authors { slug name } reactions { kind count } related(first: 5) { slug title } body { __typename ... on ParagraphBlock { spans { text marks href article } } ... on HeadingBlock { level text } ... on LinkListBlock { title items { text article url } } ... on QuoteBlock { text attribution } ... on ImageBlock { src alt caption } ... on EmbedBlock { provider url } } } }","variables":{"slug":"' .. slug .. '"}}'
