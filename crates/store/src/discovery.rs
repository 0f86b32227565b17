//! What discovery reads: articles changed since a point, for the search index.

use diesel::prelude::*;
use newsdesk_domain::Result;
use newsdesk_domain::body::Block;
use newsdesk_domain::model::{ArticleId, ArticleRecord};
use newsdesk_domain::ports::Watermark;
use newsdesk_domain::ports::{DiscoveryRepo, Read};

use crate::conn::MultiBackend;
use crate::repo::Store;
use crate::rows::{ArticleRow, parse_body, to_naive, to_utc};
use crate::schema::{article_bodies, article_reads, articles, instance};

impl DiscoveryRepo for Store {
    fn session_reads(&self, session_id: &str, limit: i64) -> Result<Vec<ArticleId>> {
        let rows: Vec<(i64, chrono::NaiveDateTime)> = self.with(|c| {
            article_reads::table
                .filter(article_reads::session_id.eq(session_id))
                .order((article_reads::read_at.desc(), article_reads::id.desc()))
                .limit(limit * 3)
                .select((article_reads::article_id, article_reads::read_at))
                .load(c)
        })?;
        let mut seen = std::collections::HashSet::new();
        Ok(rows
            .into_iter()
            .filter(|(a, _)| seen.insert(*a))
            .take(usize::try_from(limit).unwrap_or(0))
            .map(|(a, _)| ArticleId(a))
            .collect())
    }

    fn reads_page(&self, after: Option<i64>, fetch: i64) -> Result<Vec<Read>> {
        let rows: Vec<(i64, String, i64, chrono::NaiveDateTime)> = self.with(|c| {
            article_reads::table
                .filter(article_reads::id.gt(after.unwrap_or(i64::MIN)))
                .order(article_reads::id)
                .limit(fetch)
                .select((
                    article_reads::id,
                    article_reads::session_id,
                    article_reads::article_id,
                    article_reads::read_at,
                ))
                .load(c)
        })?;
        Ok(rows
            .into_iter()
            .map(|(row, session_id, a, at)| Read { row, session_id, article: ArticleId(a), at: to_utc(at) })
            .collect())
    }

    fn instance_id(&self) -> Result<String> {
        self.with(|c| instance::table.select(instance::id).first(c))
    }

    fn article_ids(&self) -> Result<Vec<ArticleId>> {
        let ids: Vec<i64> = self.with(|c| articles::table.select(articles::id).load(c))?;
        Ok(ids.into_iter().map(ArticleId).collect())
    }

    fn articles_changed_since(&self, after: Option<Watermark>, fetch: i64) -> Result<Vec<(ArticleRecord, Vec<Block>)>> {
        let rows: Vec<(ArticleRow, String)> = self.with(|c| {
            let mut q = articles::table
                .inner_join(article_bodies::table)
                .select((ArticleRow::as_select(), article_bodies::body))
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
