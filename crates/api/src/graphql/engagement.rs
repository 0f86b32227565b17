//! Beacons as mutations, and rankings: the same service calls as REST.

use async_graphql::{Context, Enum, Object, SimpleObject};
use newsdesk_domain::engagement::Client;
use newsdesk_domain::query::Limit;
use newsdesk_domain::ranking::{self, RankingQuery};

use super::scalars::DateTime;
use super::types::Article;
use crate::error::to_graphql;
use crate::limits::ClientAddr;
use crate::state::{AppState, blocking};

type GqlResult<T> = async_graphql::Result<T>;

/// Which ranking: REST's `most-read`, `trending` and `most-reacted`.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "ranking::RankingKind")]
pub enum RankingKind {
    /// Views in the window.
    MostRead,
    /// Read more now than usual (see `docs/engagement.md`).
    Trending,
    /// Reactions in the window.
    MostReacted,
}

/// The period a ranking counts: REST's `1h`, `24h`, `7d` and `30d`.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "ranking::Window")]
pub enum RankingWindow {
    /// The last hour, to the minute.
    Hour,
    /// The last 24 hours, to the hour.
    Day,
    /// The last 7 days, to the hour.
    Week,
    /// The last 30 days, to the day.
    Month,
}

/// A ranking of published articles.
pub struct Ranking(ranking::Ranking);

#[Object]
impl Ranking {
    async fn kind(&self) -> RankingKind {
        self.0.kind.into()
    }
    async fn window(&self) -> RankingWindow {
        self.0.window.into()
    }
    /// When the ranking was computed; never more than a few seconds ago.
    async fn generated_at(&self) -> DateTime {
        DateTime(self.0.generated_at)
    }
    async fn entries(&self) -> Vec<RankingEntry> {
        self.0
            .entries
            .iter()
            .map(|e| RankingEntry { rank: e.rank, score: e.score, article: Article::from_full(e.article.clone()) })
            .collect()
    }
}

/// One place in a ranking.
#[derive(SimpleObject)]
pub struct RankingEntry {
    /// 1 for the first place.
    rank: u32,
    /// Views or reactions in the window, or the trending score.
    score: f64,
    article: Article,
}

#[derive(Default)]
pub struct EngagementQuery;

#[Object]
impl EngagementQuery {
    /// The reaction kinds this server counts, in the order to show them.
    async fn reaction_kinds(&self, ctx: &Context<'_>) -> GqlResult<Vec<String>> {
        Ok(ctx.data::<AppState>()?.engagement.reaction_kinds().to_vec())
    }

    /// A ranking, in a window (the last 24 hours unless given), site-wide or in a
    /// section (with its sub-sections) or with a tag.
    async fn ranking(
        &self,
        ctx: &Context<'_>,
        kind: RankingKind,
        #[graphql(default_with = "RankingWindow::Day")] window: RankingWindow,
        section: Option<String>,
        tag: Option<String>,
        #[graphql(default = 10)] first: i32,
    ) -> GqlResult<Ranking> {
        let limit = Limit::new("first", i64::from(first), RankingQuery::MAX_LIMIT);
        let (kind, window) = (ranking::RankingKind::from(kind), ranking::Window::from(window));
        let query =
            RankingQuery::parse(kind.as_str(), Some(window.as_str()), section, tag, Some(limit)).map_err(to_graphql)?;
        let svc = ctx.data::<AppState>()?.rankings.clone();
        blocking(move || svc.ranking(&query)).await.map(Ranking).map_err(to_graphql)
    }
}

/// Who beacons of a request are counted for (see `auth::beacon_sender`).
#[derive(Clone, Copy)]
pub struct BeaconSender(pub (Client, Option<ClientAddr>));

/// Who sent a beacon, as counting sees it (a robot, or an address past its rate).
fn beacon_client(ctx: &Context<'_>, article: &str) -> GqlResult<Client> {
    let state = ctx.data::<AppState>()?;
    let BeaconSender((client, addr)) = *ctx.data::<BeaconSender>()?;
    Ok(state.limits.beacon(addr, article, client))
}

/// What a reaction changed.
#[derive(SimpleObject)]
pub struct ReactPayload {
    /// The article, its `reactions` including this one.
    article: Article,
    /// The kinds this session has given the article, in the configured order.
    session_reactions: Vec<String>,
}

#[derive(Default)]
pub struct EngagementMutation;

#[Object]
impl EngagementMutation {
    /// Count a view of a published article (once per session and article every 30
    /// minutes, within about a second). Always `true` once accepted.
    async fn record_view(&self, ctx: &Context<'_>, article: String, session_id: String) -> GqlResult<bool> {
        let client = beacon_client(ctx, &article)?;
        let svc = ctx.data::<AppState>()?.engagement.clone();
        blocking(move || svc.record_view(&article, &session_id, client)).await.map_err(to_graphql)?;
        Ok(true)
    }

    /// React to a published article (once per session, article and kind); returns
    /// the article with its reaction counts, this reaction included.
    async fn react(
        &self,
        ctx: &Context<'_>,
        article: String,
        kind: String,
        session_id: String,
    ) -> GqlResult<ReactPayload> {
        let client = beacon_client(ctx, &article)?;
        let svc = ctx.data::<AppState>()?.engagement.clone();
        let reacted = blocking(move || svc.react(&article, &kind, &session_id, client)).await.map_err(to_graphql)?;
        Ok(ReactPayload { article: Article::from_full(reacted.article), session_reactions: reacted.session_kinds })
    }
}
