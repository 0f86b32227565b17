//! The GraphQL IDE, served from the binary: the page and every asset it loads
//! come from this server, so it works without internet access (like `/docs/`).

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};

/// Where the assets are served; the version is part of the path, so they are
/// cached for good.
const PREFIX: &str = "/graphiql/3.9.0";

/// The vendored files (see `assets/graphiql/LICENSES.txt`): name, media type, bytes.
const ASSETS: [(&str, &str, &[u8]); 5] = [
    ("graphiql.min.css", "text/css; charset=utf-8", include_bytes!("../assets/graphiql/graphiql.min.css")),
    ("graphiql.min.js", JS, include_bytes!("../assets/graphiql/graphiql.min.js")),
    ("react.production.min.js", JS, include_bytes!("../assets/graphiql/react.production.min.js")),
    ("react-dom.production.min.js", JS, include_bytes!("../assets/graphiql/react-dom.production.min.js")),
    ("start.js", JS, include_bytes!("../assets/graphiql/start.js")),
];

const JS: &str = "text/javascript; charset=utf-8";

/// Only this server's own scripts, styles and the fonts GraphiQL inlines; the
/// IDE talks to `/graphql` on the same origin.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   font-src 'self' data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
                   form-action 'none'; frame-ancestors 'none'";

/// The IDE's page.
pub fn page() -> HttpResponse {
    let page = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Newsdesk GraphQL</title>
<link rel="stylesheet" href="{PREFIX}/graphiql.min.css">
<style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql">Loading the GraphQL IDE…</div>
<script src="{PREFIX}/react.production.min.js"></script>
<script src="{PREFIX}/react-dom.production.min.js"></script>
<script src="{PREFIX}/graphiql.min.js"></script>
<script src="{PREFIX}/start.js"></script>
</body>
</html>
"#
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .body(page)
}

/// One of the IDE's assets.
async fn asset(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(n, ..)| *n == name.as_str()) {
        Some((_, media, bytes)) => HttpResponse::Ok()
            .content_type(*media)
            .insert_header(CacheControl(vec![
                CacheDirective::Public,
                CacheDirective::MaxAge(31_536_000),
                CacheDirective::Extension("immutable".into(), None),
            ]))
            .body(*bytes),
        None => crate::error::ApiError::http(
            actix_web::http::StatusCode::NOT_FOUND,
            format!("no GraphQL IDE asset `{name}`"),
        ),
    }
}

/// The assets' route, for the application.
pub fn assets() -> actix_web::Resource {
    web::resource(format!("{PREFIX}/{{name}}")).route(web::get().to(asset))
}

/// Whether a path is one of the IDE's assets (open like the docs).
pub fn is_asset(path: &str) -> bool {
    path.starts_with("/graphiql/")
}
