//! GraphQL: the same reads as REST, Relay connections, limits, and GraphQL over HTTP.

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::fixtures::{Site, VISIBLE_NEWEST_FIRST};
use crate::support::{Backend, TestApp, TestDb, cli, key, slugs};

/// Percent-encode a query parameter's value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn app(backend: Backend) -> TestApp {
    TestApp::with_data(backend, &Site::standard().ndjson()).expect("backend")
}

const PAGE: &str = r#"query Page($slug: String!) {
  article(slug: $slug) {
    id slug title summary publishedAt updatedAt readingTimeMinutes views version status
    heroImage { src alt caption }
    section { id slug name path { id slug name } }
    tags { id slug name }
    authors { id slug name }
    reactions { kind count }
    related(first: 3) { slug }
    body {
      __typename
      ... on ParagraphBlock { spans { text marks href article } }
      ... on HeadingBlock { level text }
      ... on LinkListBlock { title items { text article url } }
      ... on QuoteBlock { text attribution }
      ... on ImageBlock { src alt caption }
      ... on EmbedBlock { provider url }
    }
  }
}"#;

fn codes(v: &Value) -> Vec<String> {
    v["errors"].as_array().map_or(Vec::new(), |e| {
        e.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("<none>").to_owned()).collect()
    })
}

fn edge_slugs(conn: &Value) -> Vec<String> {
    conn["edges"].as_array().unwrap().iter().map(|e| e["node"]["slug"].as_str().unwrap().to_owned()).collect()
}

on_both_backends! {
    fn article_page_in_one_query_matches_rest(backend: Backend) {
        let app = app(backend);
        let g = app.graphql(PAGE, json!({"slug": "summit-opens"}));
        assert!(g.get("errors").is_none(), "{g}");
        let a = &g["data"]["article"];
        let rest = app.json("/v1/articles/summit-opens");
        for field in ["id", "slug", "title", "summary", "publishedAt", "updatedAt", "readingTimeMinutes", "views", "version", "reactions", "heroImage"] {
            assert_eq!(a[field], rest[field], "{field}");
        }
        assert_eq!(a["status"], "PUBLISHED");
        assert_eq!(a["section"]["path"], rest["section"]["path"]);
        assert_eq!(a["section"]["id"], rest["section"]["id"]);
        assert_eq!(a["tags"], rest["tags"]);
        assert_eq!(a["authors"], rest["authors"]);
        let related = app.json("/v1/articles/summit-opens/related?limit=3");
        let rest_related: Vec<&Value> = related["data"].as_array().unwrap().iter().map(|r| &r["slug"]).collect();
        let gql_related: Vec<&Value> = a["related"].as_array().unwrap().iter().map(|r| &r["slug"]).collect();
        assert!(!gql_related.is_empty());
        assert_eq!(gql_related, rest_related);
        let body = a["body"].as_array().unwrap();
        assert_eq!(body.len(), rest["body"].as_array().unwrap().len());
        assert_eq!(body[1], json!({"__typename": "HeadingBlock", "level": 2, "text": "What it means"}));
        assert_eq!(body[2]["items"][0]["article"], "rates-rise");
        assert_eq!(body[0]["spans"][1]["marks"], json!(["BOLD"]));
        // By id too; unknown and hidden articles are null.
        let id = a["id"].as_str().unwrap();
        let by_id = app.graphql("query($id: ID) { article(id: $id) { slug } }", json!({"id": id}));
        assert_eq!(by_id["data"]["article"]["slug"], "summit-opens");
        for slug in ["nope", "draft-piece", "future-published"] {
            let v = app.graphql("query($s: String) { article(slug: $s) { slug } }", json!({"s": slug}));
            assert_eq!(v["data"]["article"], Value::Null, "{slug}");
        }
        let both = app.graphql(r#"{ article(slug: "a", id: "1") { slug } }"#, json!({}));
        assert_eq!(codes(&both), ["BAD_USER_INPUT"]);
    }

    /// Cards are projected without the engine where their fields are plain data;
    /// every way of selecting them answers as GraphQL says.
    fn any_selection_of_an_article_answers_as_graphql_says(backend: Backend) {
        let app = app(backend);
        let full = app.graphql(PAGE, json!({"slug": "summit-opens"}));
        let a = &full["data"]["article"];
        let ask = |selection: &str| {
            let q = format!("query($s: String!) {{ article(slug: $s) {selection} }}");
            let g = app.graphql(&q, json!({"s": "summit-opens"}));
            assert!(g.get("errors").is_none(), "{selection}: {g}");
            g["data"]["article"].clone()
        };
        let path_slugs: Vec<&Value> = a["section"]["path"].as_array().unwrap().iter().map(|s| &s["slug"]).collect();
        // Aliases, `__typename`, a field selected twice with its selections merged.
        assert_eq!(
            ask("{ kind: __typename t: title title section { slug } section { name path { slug } } }"),
            json!({"kind": "Article", "t": a["title"], "title": a["title"],
                   "section": {"slug": "world", "name": a["section"]["name"], "path": path_slugs.iter().map(|s| json!({"slug": s})).collect::<Vec<_>>()}})
        );
        // Inline fragments with and without a condition, named fragments, fragments on other types.
        let q = "query($s: String!) { article(slug: $s) { ... { slug } ... on Article { views } ...Card } }
            fragment Card on Article { tags { ... on Tag { slug } __typename } heroImage { ...Picture } }
            fragment Picture on Image { src }";
        let g = app.graphql(q, json!({"s": "summit-opens"}));
        let tags: Vec<Value> = a["tags"].as_array().unwrap().iter().map(|t| json!({"slug": t["slug"], "__typename": "Tag"})).collect();
        let hero = if a["heroImage"].is_null() { Value::Null } else { json!({"src": a["heroImage"]["src"]}) };
        assert_eq!(g["data"]["article"], json!({"slug": "summit-opens", "views": a["views"], "tags": tags, "heroImage": hero}), "{g}");
        // Plain fields beside fields the engine resolves (counts, children,
        // arguments), at one level and below.
        let mixed = ask("{ slug tags { slug articleCount } section { slug parent { slug } children { slug } articleCount } related(first: 1) { slug } authors { name } }");
        for (i, t) in mixed["tags"].as_array().unwrap().iter().enumerate() {
            assert_eq!(t["slug"], a["tags"][i]["slug"]);
            let rest = app.json(&format!("/v1/tags/{}", t["slug"].as_str().unwrap()));
            assert_eq!(t["articleCount"], rest["articleCount"], "{t}");
        }
        assert_eq!(mixed["section"]["parent"], json!({"slug": "news"}));
        assert_eq!(mixed["section"]["children"], json!([]));
        assert_eq!(mixed["section"]["articleCount"], app.json("/v1/sections/world")["articleCount"]);
        assert_eq!(mixed["related"], json!([a["related"][0]]));
        assert_eq!(mixed["authors"].as_array().unwrap().len(), 2);
        // The same through a list, and a root section's parent is null.
        let g = app.graphql(
            r#"{ articles(filter: {section: "news"}, first: 50) { nodes { slug section { path { slug parent { slug } } } } } }"#,
            json!({}),
        );
        let node = g["data"]["articles"]["nodes"].as_array().unwrap().iter().find(|n| n["slug"] == "summit-opens").unwrap();
        assert_eq!(node["section"]["path"], json!([{"slug": "news", "parent": null}, {"slug": "world", "parent": {"slug": "news"}}]));
    }

    fn lists_match_rest(backend: Backend) {
        let app = app(backend);
        let cases = [
            ("{}", "PUBLISHED_AT_DESC", ""),
            ("{}", "PUBLISHED_AT_ASC", "sort=publishedAt"),
            ("{}", "VIEWS_DESC", "sort=-views"),
            (r#"{section: "news"}"#, "PUBLISHED_AT_DESC", "section=news"),
            (r#"{tags: ["rates", "energy"]}"#, "PUBLISHED_AT_DESC", "tag=rates&tag=energy"),
            (r#"{author: "ana-lee", publishedAfter: "2026-01-02T00:00:00Z"}"#, "VIEWS_DESC", "author=ana-lee&publishedAfter=2026-01-02T00:00:00Z&sort=-views"),
        ];
        for (filter, sort, query) in cases {
            let q = format!("{{ articles(filter: {filter}, sort: {sort}, first: 100) {{ edges {{ cursor node {{ slug }} }} pageInfo {{ hasNextPage }} }} }}");
            let g = app.graphql(&q, json!({}));
            assert!(g.get("errors").is_none(), "{g}");
            assert_eq!(edge_slugs(&g["data"]["articles"]), slugs(&app.json(&format!("/v1/articles?limit=100&{query}"))), "{query}");
        }
        // Relay paging: `after` the cursor of an edge.
        let mut after: Option<String> = None;
        let mut seen = Vec::new();
        loop {
            let g = app.graphql(
                "query($a: String) { articles(first: 2, after: $a) { edges { cursor node { slug } } pageInfo { hasNextPage endCursor } } }",
                json!({"a": after}),
            );
            let conn = &g["data"]["articles"];
            seen.extend(edge_slugs(conn));
            if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break;
            }
            after = Some(conn["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
        }
        assert_eq!(seen, VISIBLE_NEWEST_FIRST);
        // Taxonomy reads.
        let g = app.graphql(
            r#"{ sections { slug articleCount children { slug articleCount path { slug } } }
                 section(slug: "world") { slug parent { slug } articles(first: 5) { edges { node { slug } } } }
                 tags(first: 2) { edges { node { slug articleCount } } pageInfo { hasNextPage } }
                 tag(slug: "rates") { articleCount }
                 authors { edges { node { slug articleCount } } }
                 author(slug: "nope") { slug } }"#,
            json!({}),
        );
        assert!(g.get("errors").is_none(), "{g}");
        let d = &g["data"];
        assert_eq!(d["sections"][0]["slug"], "business");
        assert_eq!(d["sections"][1]["articleCount"], 4);
        assert_eq!(d["sections"][1]["children"][1]["path"], json!([{"slug": "news"}, {"slug": "world"}]));
        assert_eq!(d["section"]["parent"]["slug"], "news");
        assert_eq!(edge_slugs(&d["section"]["articles"]), ["summit-opens"]);
        assert_eq!(d["tags"]["edges"][0]["node"], json!({"slug": "ai", "articleCount": 1}));
        assert_eq!(d["tags"]["pageInfo"]["hasNextPage"], true);
        assert_eq!(d["tag"]["articleCount"], 3);
        assert_eq!(d["authors"]["edges"][1]["node"], json!({"slug": "ben-okafor", "articleCount": 4}));
        assert_eq!(d["author"], Value::Null);
    }

    fn errors_carry_codes(backend: Backend) {
        let app = app(backend);
        let g = app.graphql("{ articles(first: 101) { edges { node { slug } } } }", json!({}));
        assert_eq!(codes(&g), ["BAD_USER_INPUT"]);
        assert_eq!(g["errors"][0]["extensions"]["fields"][0]["field"], "first");
        let g = app.graphql(r#"{ articles(after: "garbage") { edges { node { slug } } } }"#, json!({}));
        assert_eq!(codes(&g), ["BAD_USER_INPUT"]);
        let g = app.graphql(r#"{ articles(filter: {publishedAfter: "yesterday"}) { edges { node { slug } } } }"#, json!({}));
        assert_eq!(codes(&g), ["BAD_USER_INPUT"]);
        let g = app.graphql(r#"{ articles(filter: {section: "Bad Slug"}) { edges { node { slug } } } }"#, json!({}));
        assert_eq!(codes(&g), ["BAD_USER_INPUT"]);
        let g = app.graphql("{ nope }", json!({}));
        assert_eq!(codes(&g), ["BAD_USER_INPUT"]);
        // Depth limit: refused before the engine sees the document.
        let deep = format!("{{ sections {} slug {} }}", "{ children ".repeat(13), "}".repeat(13));
        let r = app.post("/graphql", "application/json", &json!({ "query": deep }).to_string(), &[]);
        assert_eq!(r.status, 400, "{}", r.text);
        let g = r.json();
        assert_eq!(codes(&g), ["BAD_USER_INPUT"]);
        assert_eq!(g["errors"][0]["extensions"]["limit"], "depth");
        assert!(g["errors"][0]["message"].as_str().unwrap().to_lowercase().contains("deep"), "{g}");
        // Complexity limit: 100 articles x 100 articles of each tag.
        let wide = "{ articles(first: 100) { edges { node { tags { articles(first: 100) { edges { node { slug title summary views } } } } } } } }";
        let g = app.graphql(wide, json!({}));
        assert_eq!(codes(&g), ["BAD_USER_INPUT"]);
        assert!(g["errors"][0]["message"].as_str().unwrap().to_lowercase().contains("complex"), "{g}");
    }

    /// A document the server validated once is validated more cheaply after
    /// that; what a client sees must not change: every request below is
    /// answered alike by a server that sees the document for the first time
    /// and by one that answered it (with other variables) before.
    fn a_document_answered_before_is_refused_as_the_first_time(backend: Backend) {
        let app = app(backend);
        let documents = [
            "query($n: Int, $c: String) { articles(first: $n, after: $c) { totalCount edges { node { slug } } } }",
            "query($slug: String!) { article(slug: $slug) { slug title } }",
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            "query($s: ArticleSort, $f: ArticleFilter) { articles(sort: $s, filter: $f, first: 2) { edges { node { slug } } } }",
            "query($n: Int = 2) { articles(first: $n) { edges { node { slug } } } }",
            "query A($n: Int!) { articles(first: $n) { totalCount } } query B { sections { slug } }",
        ];
        let valid = [
            json!({"n": 2}),
            json!({"slug": "oil-jumps"}),
            json!({"ids": ["article_1"]}),
            json!({"s": "VIEWS_DESC", "f": {"section": "news"}}),
            json!({}),
            json!({"n": 1}),
        ];
        let invalid = [
            vec![json!({"n": "2"}), json!({"n": 2.5}), json!({"n": 3_000_000_000_i64}), json!({"n": 500}), json!({"c": 7}), json!({"n": -1})],
            vec![json!({}), json!({"slug": null}), json!({"slug": 42}), json!({"slug": ["oil-jumps"]}), json!({"slug": "no-such-article"})],
            vec![json!({}), json!({"ids": "article_1"}), json!({"ids": [null]}), json!({"ids": [1.5]}), json!({"ids": null})],
            vec![json!({"s": "SIDEWAYS"}), json!({"f": {"nope": 1}}), json!({"f": {"publishedAfter": "yesterday"}}), json!({"f": {"tags": "x"}})],
            vec![json!({"n": null}), json!({"n": "x"}), json!({"n": 101})],
            vec![json!({}), json!({"n": null}), json!({"n": true})],
        ];
        let accept = [("accept", "application/graphql-response+json")];
        let send = |query: &str, operation: Option<&str>, variables: &Value, headers: &[(&str, &str)]| {
            let body = json!({"query": query, "variables": variables, "operationName": operation}).to_string();
            let r = app.post("/graphql", "application/json", &body, headers);
            (r.status, r.json())
        };
        for (i, ((doc, good), bad)) in documents.iter().zip(&valid).zip(&invalid).enumerate() {
            let operation = doc.starts_with("query A").then_some("A");
            for (j, vars) in bad.iter().enumerate() {
                for headers in [&[][..], &accept[..]] {
                    // The same document to the engine: only a trailing comment differs,
                    // so each first sight is a new document.
                    let fresh = format!("{doc} # first sight {j} {}", headers.len());
                    let first = send(&fresh, operation, vars, headers);
                    assert_eq!(send(&fresh, operation, good, headers).0, 200);
                    assert_eq!(send(&fresh, operation, vars, headers), first, "document {i}, variables {vars}");
                }
            }
            let answered = send(doc, operation, good, &[]);
            assert!(answered.1.get("errors").is_none(), "{}", answered.1);
            assert_eq!(send(doc, operation, good, &[]), answered);
        }
    }

    /// Fields come in the order the document selects them, however long each
    /// takes to resolve (a count waits for the database, a name does not).
    fn fields_answer_in_the_order_selected(backend: Backend) {
        let app = app(backend);
        let doc = "query($n: Int) { tags(first: $n) { totalCount edges { node { slug articleCount name } } } \
            articles(first: $n) { totalCount edges { cursor node { slug } } pageInfo { hasNextPage } } \
            sections { slug } s: section(slug: \"news\") { name slug } a: article(slug: \"oil-jumps\") { title slug } }";
        let expected = [
            "{\"data\":{\"tags\":{\"totalCount\":",
            "\"articles\":{\"totalCount\":",
            "\"pageInfo\":{\"hasNextPage\":",
            "\"sections\":[{\"slug\":",
            "\"s\":{\"name\":",
            "\"a\":{\"title\":",
        ];
        for n in 0..12 {
            let body = json!({"query": doc, "variables": {"n": 1 + n % 3}}).to_string();
            let r = app.post("/graphql", "application/json", &body, &[]);
            let at: Vec<Option<usize>> = expected.iter().map(|e| r.text.find(e)).collect();
            assert!(at.iter().all(Option::is_some) && at.windows(2).all(|w| w[0] < w[1]), "{}", r.text);
        }
        // A field selected twice: the engine merges the two answers.
        let twice = "{ article(slug: \"oil-jumps\") { title tags { slug } } article(slug: \"oil-jumps\") { slug tags { name } } }";
        let r = app.post("/graphql", "application/json", &json!({"query": twice}).to_string(), &[]);
        assert_eq!(
            r.text,
            r#"{"data":{"article":{"title":"Title of oil-jumps","tags":[{"slug":"energy","name":"Energy"},{"slug":"rates","name":"Rates"}],"slug":"oil-jumps"}}}"#
        );
    }

    /// Article pages of a document validated before are answered without the
    /// engine, byte for byte as the engine answers them; documents of any
    /// other shape stay with the engine.
    fn article_pages_answered_without_the_engine_are_the_engines_answers(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let preview = format!("Bearer {}", key(&db, "previewer", &["content:preview"]));
        let app = TestApp::serve(db, &["--read-cache-ms", "0"]);
        let page = PAGE.replace("    related(first: 3) { slug }\n", "");
        let id = app.json("/v1/articles/oil-jumps")["id"].as_str().expect("id").to_owned();
        let fragments = "query($id: ID) { article(id: $id) { ...Card ... on Node { id } body { ...Blocks } } } \
            fragment Card on Article { t: title tags { slug n: name __typename } section { __typename parent { slug } } } \
            fragment Blocks on Block { __typename ... on HeadingBlock { level t: text } ... on ParagraphBlock { spans { text } } }";
        // (document, variables, headers, answered without the engine)
        type Case<'a> = (&'a str, Value, Vec<(&'a str, &'a str)>, bool);
        let cases: Vec<Case> = vec![
            (&page, json!({"slug": "rates-rise"}), vec![], true),
            (&page, json!({"slug": "rates-rise"}), vec![("accept", "application/graphql-response+json")], true),
            (&page, json!({"slug": "no-such-article"}), vec![], true),
            (fragments, json!({"id": id}), vec![], true),
            ("query { a: article(slug: \"oil-jumps\") { title } b: article(slug: \"nope\") { title } }", json!({}), vec![], true),
            ("query($s: String = \"oil-jumps\") { article(slug: $s) { slug views } }", json!({}), vec![], true),
            ("query P($s: String!) { article(slug: $s) { slug status } } query Q { sections { slug } }", json!({"s": "oil-jumps"}), vec![], true),
            // Drafts for a preview key only.
            ("query($s: String!) { article(slug: $s) { slug status } }", json!({"s": "draft-piece"}), vec![], true),
            ("query($s: String!) { article(slug: $s) { slug status } }", json!({"s": "draft-piece"}), vec![("authorization", preview.as_str())], true),
            // Left to the engine: a field that is not plain data, directives,
            // an argument of another form, errors, other roots.
            ("query($s: String!) { article(slug: $s) { slug related(first: 2) { slug } } }", json!({"s": "oil-jumps"}), vec![], false),
            ("query($s: String!, $t: Boolean!) { article(slug: $s) { slug title @include(if: $t) } }", json!({"s": "oil-jumps", "t": false}), vec![], false),
            ("query { article(id: 1) { slug } }", json!({}), vec![], false),
            ("query { article(slug: \"oil-jumps\", id: \"x\") { slug } }", json!({}), vec![], false),
            ("query { article(slug: \"oil-jumps\") { slug } sections { slug } }", json!({}), vec![], false),
        ];
        let direct = || {
            let metrics = app.get("/metrics").text;
            let line = metrics.lines().find(|l| l.starts_with("newsdesk_graphql_direct_answers_total ")).expect("metric");
            line.rsplit(' ').next().expect("value").parse::<u64>().expect("a count")
        };
        for (i, (doc, vars, headers, answered_directly)) in cases.iter().enumerate() {
            let operation = doc.starts_with("query P(").then_some("P");
            // A new document each case, so that its first answer is the engine's.
            let body = json!({"query": format!("{doc} # case {i}"), "variables": vars, "operationName": operation}).to_string();
            let engine = app.post("/graphql", "application/json", &body, headers);
            assert_eq!(engine.status, 200, "case {i}: {}", engine.text);
            let before = direct();
            let again = app.post("/graphql", "application/json", &body, headers);
            assert_eq!(direct() - before, u64::from(*answered_directly), "case {i}: answered without the engine");
            assert_eq!(again.status, engine.status, "case {i}");
            assert_eq!(again.header("content-type"), engine.header("content-type"), "case {i}");
            assert_eq!(again.header("cache-control"), engine.header("cache-control"), "case {i}");
            assert_eq!(again.text, engine.text, "case {i}: {doc}");
        }
    }

    /// Every object with identity has one id, the same over REST and GraphQL and
    /// unique across types; `node`/`nodes` find each again, hiding what the
    /// caller may not see, and admin routes take the same id.
    fn one_global_id_per_object_and_node_finds_it(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let preview = format!("Bearer {}", key(&db, "previewer", &["content:preview"]));
        let app = TestApp::serve(db, &[]);
        let rest = app.json("/v1/articles/summit-opens");
        let mut ids: Vec<(String, &str, String)> = vec![(rest["id"].as_str().unwrap().to_owned(), "Article", "summit-opens".into())];
        for (list, typename) in [(&rest["section"]["path"], "Section"), (&rest["tags"], "Tag"), (&rest["authors"], "Author")] {
            for r in list.as_array().unwrap() {
                ids.push((r["id"].as_str().unwrap().to_owned(), typename, r["slug"].as_str().unwrap().to_owned()));
            }
        }
        assert_eq!(rest["section"]["id"], rest["section"]["path"].as_array().unwrap().last().unwrap()["id"]);
        // Unique across types, and what the lists and pages of each type say.
        let distinct: std::collections::HashSet<&String> = ids.iter().map(|(id, ..)| id).collect();
        assert_eq!(distinct.len(), ids.len(), "{ids:?}");
        let tag = ids.iter().find(|(_, t, _)| *t == "Tag").unwrap();
        assert_eq!(app.json(&format!("/v1/tags/{}", tag.2))["id"], tag.0.as_str());
        let listed = app.json("/v1/sections");
        assert!(listed.to_string().contains(&format!("\"id\":\"{}\"", ids[1].0)), "{listed}");

        let query = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Article { slug } ... on Section { slug } ... on Tag { slug } ... on Author { slug } } }";
        let mut asked: Vec<String> = ids.iter().map(|(id, ..)| id.clone()).collect();
        // Nothing, another type's number, a string that is no id, a bare number.
        let article_number = ids[0].0.trim_start_matches("article_").to_owned();
        asked.extend(["tag_999999".into(), format!("author_{article_number}x"), "hello".into(), article_number.clone()]);
        let g = app.graphql(query, json!({ "ids": asked }));
        assert!(g.get("errors").is_none(), "{g}");
        let nodes = g["data"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), asked.len());
        for ((id, typename, slug), node) in ids.iter().zip(nodes) {
            assert_eq!((&node["__typename"], &node["id"], &node["slug"]), (&json!(typename), &json!(id), &json!(slug)));
        }
        assert!(nodes[ids.len()..].iter().all(Value::is_null), "{g}");
        let one = app.graphql("query($id: ID!) { node(id: $id) { id ... on Article { title } } }", json!({ "id": ids[0].0 }));
        assert_eq!(one["data"]["node"]["title"], rest["title"], "{one}");
        assert_eq!(app.graphql("{ node(id: \"nothing\") { id } }", json!({}))["data"]["node"], Value::Null);
        let many: Vec<String> = (0..101).map(|i| format!("tag_{i}")).collect();
        assert_eq!(codes(&app.graphql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": many }))), ["BAD_USER_INPUT"]);

        // A draft is found only with a preview key, under the id admin routes take.
        let body = json!({ "query": "{ article(slug: \"draft-piece\") { id } }" }).to_string();
        let draft = app.post("/graphql", "application/json", &body, &[("authorization", &preview)]).json();
        let draft_id = draft["data"]["article"]["id"].as_str().expect("the draft, to a preview key").to_owned();
        let ask = json!({ "query": "query($id: ID!) { node(id: $id) { id } }", "variables": { "id": draft_id } }).to_string();
        assert_eq!(app.post("/graphql", "application/json", &ask, &[]).json()["data"]["node"], Value::Null);
        assert_eq!(app.post("/graphql", "application/json", &ask, &[("authorization", &preview)]).json()["data"]["node"]["id"], draft_id.as_str());
        let admin = app.get_with(&format!("/v1/admin/articles/{draft_id}"), &[("authorization", &preview)]);
        assert_eq!((admin.status, admin.json()["id"].as_str()), (200, Some(draft_id.as_str())), "{}", admin.text);
        let number = draft_id.trim_start_matches("article_");
        app.get_with(&format!("/v1/admin/articles/{number}"), &[("authorization", &preview)]).assert_problem(404, None);
    }

    /// Every list counts its whole length, the same over REST and GraphQL, and a
    /// write shows in the count at once on the node that made it.
    fn every_list_has_a_total_count(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let write = format!("Bearer {}", key(&db, "desk", &["content:write"]));
        let app = TestApp::serve(db, &[]);
        let total = |path: &str| app.json(path)["totalCount"].as_i64().unwrap_or(-1);
        assert_eq!(total("/v1/articles?limit=1"), VISIBLE_NEWEST_FIRST.len() as i64);
        assert_eq!(total("/v1/articles?limit=1&tag=rates"), 3);
        assert_eq!(total("/v1/articles?tag=nope"), 0);
        assert_eq!(total("/v1/tags?limit=1"), 5);
        assert_eq!(total("/v1/authors?limit=1"), 2);
        assert_eq!(total("/v1/search?q=rates&limit=1"), app.json("/v1/search?q=rates&limit=100")["data"].as_array().unwrap().len() as i64);
        let admin = app.get_with("/v1/admin/articles?limit=1&status=draft", &[("authorization", &write)]).json();
        assert_eq!(admin["totalCount"], 1, "{admin}");
        let g = app.graphql(
            r#"{ articles(first: 1) { totalCount } rated: articles(first: 1, filter: {tags: ["rates"]}) { totalCount }
                 tags(first: 1) { totalCount } authors(first: 1) { totalCount }
                 section(slug: "news") { articles(first: 1) { totalCount } }
                 tag(slug: "rates") { articles(first: 1) { totalCount edges { node { slug } } } }
                 search(query: "rates", first: 1) { totalCount } }"#,
            json!({}),
        );
        assert!(g.get("errors").is_none(), "{g}");
        let d = &g["data"];
        assert_eq!(d["articles"]["totalCount"], VISIBLE_NEWEST_FIRST.len());
        assert_eq!(d["rated"]["totalCount"], 3);
        assert_eq!((&d["tags"]["totalCount"], &d["authors"]["totalCount"]), (&json!(5), &json!(2)));
        assert_eq!(d["section"]["articles"]["totalCount"], total("/v1/articles?section=news"));
        assert_eq!(d["tag"]["articles"]["totalCount"], 3);
        assert_eq!(d["search"]["totalCount"], total("/v1/search?q=rates"));
        // A published article counts at once on this node.
        let drafts = app.get_with("/v1/admin/articles?status=draft", &[("authorization", &write)]).json();
        let id = drafts["data"][0]["id"].as_str().unwrap().to_owned();
        let r = app.send("POST", &format!("/v1/admin/articles/{id}/publish"), None, &[("authorization", &write)]);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(total("/v1/articles?limit=1"), VISIBLE_NEWEST_FIRST.len() as i64 + 1);
    }

    /// `last`/`before` read the same lists backward: walking every list back from
    /// its end, page by page, gives the forward list, for every sort and size.
    fn connections_page_backward_as_well_as_forward(backend: Backend) {
        let app = app(backend);
        // `field(args)` of the root, walked backward `n` at a time.
        let walk_back = |field: &str, args: &str, n: usize| -> Vec<String> {
            let mut before: Option<String> = None;
            let mut out: Vec<String> = Vec::new();
            for _ in 0..50 {
                let q = format!(
                    "query($b: String) {{ {field}({args} last: {n}, before: $b) {{ totalCount edges {{ node {{ slug }} }} pageInfo {{ hasPreviousPage hasNextPage startCursor }} }} }}"
                );
                let g = app.graphql(&q, json!({ "b": before }));
                assert!(g.get("errors").is_none(), "{g}");
                let conn = &g["data"][field];
                let page = edge_slugs(conn);
                assert!(page.len() <= n);
                let info = &conn["pageInfo"];
                assert_eq!(info["hasNextPage"], before.is_some(), "{g}");
                out.splice(0..0, page);
                if info["hasPreviousPage"] == false {
                    return out;
                }
                before = Some(info["startCursor"].as_str().unwrap().to_owned());
            }
            panic!("{field}: backward paging did not end");
        };
        for sort in ["PUBLISHED_AT_DESC", "PUBLISHED_AT_ASC", "VIEWS_DESC"] {
            let all = app.graphql(&format!("{{ articles(sort: {sort}, first: 100) {{ edges {{ node {{ slug }} }} }} }}"), json!({}));
            let forward = edge_slugs(&all["data"]["articles"]);
            assert_eq!(forward.len(), VISIBLE_NEWEST_FIRST.len());
            for n in [1, 2, 3, 100] {
                assert_eq!(walk_back("articles", &format!("sort: {sort},"), n), forward, "{sort}, last {n}");
            }
        }
        assert_eq!(walk_back("articles", "filter: {tags: [\"rates\"]},", 2), ["chip-boom", "oil-jumps", "rates-rise"]);
        assert_eq!(walk_back("tags", "", 2), ["ai", "elections", "energy", "rates", "unused"]);
        assert_eq!(walk_back("authors", "", 1), ["ana-lee", "ben-okafor"]);
        let hits = app.graphql("{ search(query: \"rates\", first: 100) { edges { node { article { slug } } } } }", json!({}));
        let forward: Vec<&str> = hits["data"]["search"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["article"]["slug"].as_str().unwrap()).collect();
        assert!(forward.len() >= 2, "{hits}");
        let back = app.graphql("{ search(query: \"rates\", last: 1) { edges { node { article { slug } } } pageInfo { hasPreviousPage hasNextPage } } }", json!({}));
        assert_eq!(back["data"]["search"]["edges"][0]["node"]["article"]["slug"], *forward.last().unwrap(), "{back}");
        assert_eq!(back["data"]["search"]["pageInfo"], json!({"hasPreviousPage": true, "hasNextPage": false}));
        // A forward cursor reads back too: the article before the second one is the first.
        let two = app.graphql("{ articles(first: 2) { pageInfo { endCursor } } }", json!({}));
        let end = two["data"]["articles"]["pageInfo"]["endCursor"].clone();
        let prev = app.graphql("query($b: String) { articles(last: 1, before: $b) { edges { node { slug } } pageInfo { hasPreviousPage hasNextPage } } }", json!({ "b": end }));
        assert_eq!(edge_slugs(&prev["data"]["articles"]), [VISIBLE_NEWEST_FIRST[0]]);
        assert_eq!(prev["data"]["articles"]["pageInfo"], json!({"hasPreviousPage": false, "hasNextPage": true}));
        // Both directions at once is a named input error.
        for (args, field) in [("first: 1, last: 1", "first"), ("after: \"x\", before: \"y\"", "after"), ("last: 0", "last"), ("before: \"nope\"", "before")] {
            let g = app.graphql(&format!("{{ articles({args}) {{ totalCount }} }}"), json!({}));
            assert_eq!(codes(&g), ["BAD_USER_INPUT"], "{args}: {g}");
            assert_eq!(g["errors"][0]["extensions"]["fields"][0]["field"], field, "{args}: {g}");
        }
    }

    /// A public query over GET is an HTTP read like REST's: `Cache-Control`, a
    /// strong ETag and 304; POST, errors and previews are never cacheable.
    fn queries_over_get_are_cacheable_like_rest(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(Site::standard().ndjson().as_bytes()));
        assert!(ok, "{err}");
        let preview = key(&db, "previewer", &["content:preview"]);
        let app = TestApp::serve(db, &[]);
        let path = "/graphql?query=%7Bsections%7Bslug%7D%7D";
        let r = app.get(path);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("cache-control"), Some("public, max-age=10"));
        let tag = r.header("etag").expect("an ETag").to_owned();
        assert!(tag.starts_with('"'), "a strong validator: {tag}");
        let again = app.get_with(path, &[("if-none-match", &tag)]);
        assert_eq!(again.status, 304, "{}", again.text);
        assert!(again.text.is_empty());
        assert_eq!(again.header("etag"), Some(tag.as_str()));
        // Another query, another validator; a stale one gets the answer.
        assert_ne!(app.get("/graphql?query=%7Bsections%7Bname%7D%7D").header("etag"), Some(tag.as_str()));
        assert_eq!(app.get_with(path, &[("if-none-match", "\"stale\"")]).status, 200);
        // A reader's own answer keeps its validators but stays private.
        let mine = format!("/graphql?query={}", encode("{ recommendations(sessionId: \"reader-00000042\", first: 2) { article { slug } } }"));
        let r = app.get(&mine);
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.header("cache-control").is_some_and(|cc| cc.starts_with("private")), "{:?}", r.header("cache-control"));
        let own = r.header("etag").expect("an ETag").to_owned();
        assert_eq!(app.get_with(&mine, &[("if-none-match", &own)]).status, 304);
        // POST answers are not HTTP-cacheable.
        let r = app.post("/graphql", "application/json", r#"{"query":"{ sections { slug } }"}"#, &[]);
        assert_eq!((r.status, r.header("cache-control"), r.header("etag")), (200, Some("no-store"), None));
        // Nor are errors, or a preview key's answers.
        let r = app.get("/graphql?query=%7Bnope%7D");
        assert_eq!((r.header("cache-control"), r.header("etag")), (Some("no-store"), None), "{}", r.text);
        let bearer = format!("Bearer {preview}");
        let r = app.get_with(path, &[("authorization", &bearer), ("if-none-match", &tag)]);
        assert_eq!((r.status, r.header("cache-control"), r.header("etag")), (200, Some("no-store"), None), "{}", r.text);
    }

    /// Automatic persisted queries: the hash first, the document on a miss; the
    /// document a hash names is checked as if it had been sent (size limits,
    /// mutations refused over GET).
    fn persisted_queries_keep_get_urls_short(backend: Backend) {
        use sha2::{Digest, Sha256};
        let app = app(backend);
        let hash_of = |q: &str| Sha256::digest(q.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>();
        let extensions = |hash: &str, version: i64| {
            json!({ "persistedQuery": { "version": version, "sha256Hash": hash } }).to_string()
        };
        let get = |query: Option<&str>, ext: &str| {
            let mut url = format!("/graphql?extensions={}", encode(ext));
            if let Some(q) = query {
                url.push_str(&format!("&query={}", encode(q)));
            }
            app.get(&url)
        };
        let query = "{ sections { slug } }";
        let hash = hash_of(query);
        // Not seen yet: the client is asked for the document.
        let miss = get(None, &extensions(&hash, 1));
        assert_eq!(miss.status, 200, "{}", miss.text);
        assert_eq!(miss.json()["errors"][0]["message"], "PersistedQueryNotFound", "{}", miss.text);
        assert_eq!(miss.json()["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
        assert_eq!(miss.header("cache-control"), Some("no-store"));
        // Sent with its hash, then named by the hash alone: the same answer.
        let full = get(Some(query), &extensions(&hash, 1));
        assert_eq!(full.status, 200, "{}", full.text);
        assert!(full.json()["data"]["sections"].as_array().is_some_and(|s| !s.is_empty()), "{}", full.text);
        let short = get(None, &extensions(&hash, 1));
        assert_eq!(short.json()["data"], full.json()["data"], "{}", short.text);
        assert!(short.header("etag").is_some() && short.header("cache-control") == Some("public, max-age=10"));
        // POST may name it too.
        let body = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } }).to_string();
        let posted = app.post("/graphql", "application/json", &body, &[]);
        assert_eq!(posted.json()["data"], full.json()["data"], "{}", posted.text);
        // A hash that is not the document's, and an unknown version, are refused.
        let wrong = get(Some("{ tags { edges { node { slug } } } }"), &extensions(&hash, 1));
        assert_eq!(wrong.json()["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{}", wrong.text);
        let v2 = get(None, &extensions(&hash, 2));
        assert_eq!(v2.json()["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_SUPPORTED", "{}", v2.text);
        // A mutation named by its hash is still refused over GET.
        let mutation = "mutation { recordView(article: \"oil-jumps\", sessionId: \"reader-apq-1\") }";
        let m_hash = hash_of(mutation);
        let body = json!({ "query": mutation, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": m_hash } } });
        app.post("/graphql", "application/json", &body.to_string(), &[]);
        get(None, &extensions(&m_hash, 1)).assert_problem(405, None);
    }

    fn graphql_over_http(backend: Backend) {
        let app = app(backend);
        // GET with query parameters.
        let r = app.get("/graphql?query=%7Barticles(first%3A1)%7Bedges%7Bnode%7Bslug%7D%7D%7D%7D");
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.json()["data"]["articles"]["edges"][0]["node"]["slug"], "same-time-b");
        // Variables on GET.
        let r = app.get("/graphql?query=query(%24s%3AString)%7Barticle(slug%3A%24s)%7Bslug%7D%7D&variables=%7B%22s%22%3A%22oil-jumps%22%7D");
        assert_eq!(r.json()["data"]["article"]["slug"], "oil-jumps");
        // Mutations are refused over GET.
        let r = app.get("/graphql?query=mutation%7Bx%7D");
        r.assert_problem(405, None);
        assert_eq!(r.header("allow"), Some("POST"));
        // application/graphql-response+json: invalid documents are 4xx.
        let accept = [("accept", "application/graphql-response+json")];
        let r = app.post("/graphql", "application/json", r#"{"query":"{ nope }"}"#, &accept);
        assert_eq!(r.status, 400);
        assert_eq!(r.header("content-type"), Some("application/graphql-response+json"));
        let r = app.post("/graphql", "application/json", r#"{"query":"{ articles { pageInfo { hasNextPage } } }"}"#, &accept);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/graphql-response+json"));
        // application/json: errors come with 200.
        let r = app.post("/graphql", "application/json", r#"{"query":"{ nope"}"#, &[]);
        assert_eq!(r.status, 200);
        assert_eq!(codes(&r.json()), ["BAD_USER_INPUT"]);
        // Not a GraphQL request at all.
        app.post("/graphql", "application/json", "{not json", &[]).assert_problem(400, None);
        app.post("/graphql", "application/json", r#"{"variables":{}}"#, &[]).assert_problem(400, None);
        app.post("/graphql", "application/json", r#"{"query":"{ articles { pageInfo { hasNextPage } } }","variables":[1]}"#, &[]).assert_problem(400, None);
        app.post("/graphql", "text/plain", r#"{"query":"{ sections { slug } }"}"#, &[]).assert_problem(415, None);
        app.get("/graphql").assert_problem(400, None);
        app.get("/graphql?query=%7Bsections%7Bslug%7D%7D&bogus=1").assert_problem(400, Some("bogus"));
        // Browsers get GraphiQL.
        let r = app.get_with("/graphql", &[("accept", "text/html")]);
        assert_eq!(r.status, 200);
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        assert!(r.text.to_lowercase().contains("graphiql"));
    }

    fn a_page_of_100_costs_a_constant_number_of_queries(backend: Backend) {
        let db = TestDb::new(backend).expect("backend");
        let (ok, data, err) = cli(&db, &["demo", "--articles", "300", "--seed", "3"], None);
        assert!(ok, "{err}");
        let (ok, _, err) = cli(&db, &["import", "-"], Some(&data));
        assert!(ok, "{err}");
        let app = TestApp::serve(db, &[]);
        // Each attempt is named apart, so that no cached response answers it.
        let query = |n: usize, attempt: usize| {
            format!(
                "query Page{n}x{attempt} {{ articles(first: {n}) {{ edges {{ node {{ slug section {{ slug path {{ slug }} }} tags {{ slug articleCount }} authors {{ slug articleCount }} reactions {{ kind count }} body {{ __typename }} }} }} }} }}"
            )
        };
        // Warm the section tree, then measure. The count is the process's: a
        // background task (or the section tree expiring on a slow machine) can add
        // a statement to one attempt, never take one away, so the least of five counts.
        app.graphql(&query(1, 0), json!({}));
        let mut cost = Vec::new();
        for n in [10, 100] {
            let attempt = |i| {
                let before = app.queries();
                let g = app.graphql(&query(n, i), json!({}));
                assert!(g.get("errors").is_none(), "{g}");
                assert_eq!(g["data"]["articles"]["edges"].as_array().unwrap().len(), n);
                app.queries() - before
            };
            cost.push((0..5).map(attempt).min().unwrap());
        }
        // One statement for the page of cards (with their tags, authors and
        // reactions), then one each for bodies, tag counts and author counts
        // (N+1 would cost over 400 here).
        assert_eq!(cost, [4, 4], "statements per page of 10 and of 100");
        // Tags with their counts: the page and the counts, nothing per tag.
        let attempt = |i| {
            let before = app.queries();
            let g = app.graphql(&format!("query Tags{i} {{ tags(first: 50) {{ edges {{ node {{ slug articleCount }} }} }} }}"), json!({}));
            assert_eq!(g["data"]["tags"]["edges"].as_array().unwrap().len(), 50);
            app.queries() - before
        };
        assert_eq!((0..5).map(attempt).min(), Some(2), "statements for 50 tags with counts");
    }
}
