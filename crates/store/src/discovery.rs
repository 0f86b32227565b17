//! What discovery reads: articles changed since a point, for the search index.

use diesel::prelude::*;
use newsdesk_domain::Result;
use newsdesk_domain::body::Block;
use newsdesk_domain::model::ArticleRecord;
use newsdesk_domain::repo::DiscoveryRepo;
use newsdesk_domain::search::Watermark;

use crate::conn::MultiBackend;
use crate::repo::Store;
use crate::rows::{ArticleRow, parse_body, to_naive};
use crate::schema::{articles, instance};

impl DiscoveryRepo for Store {
    fn instance_id(&self) -> Result<String> {
        self.with(|c| instance::table.select(instance::id).first(c))
    }

    fn articles_changed_since(&self, after: Option<Watermark>, fetch: i64) -> Result<Vec<(ArticleRecord, Vec<Block>)>> {
        let rows: Vec<(ArticleRow, String)> = self.with(|c| {
            let mut q = articles::table
                .select((ArticleRow::as_select(), articles::body))
                .order((articles::updated_at, articles::id))
                .limit(fetch)
                .into_boxed::<MultiBackend>();
            if let Some(w) = after {
                let t = to_naive(w.updated_at);
                q = q.filter(articles::updated_at.gt(t).or(articles::updated_at.eq(t).and(articles::id.gt(w.id.0))));
            }
            q.load(c)
        })?;
        rows.into_iter().map(|(r, b)| Ok((ArticleRecord::try_from(r)?, parse_body(&b)?))).collect()
    }
}
