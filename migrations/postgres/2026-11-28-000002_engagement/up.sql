-- Counted views and reactions, summed per article into buckets of three widths
-- (`span`, in seconds: 60, 3600, 86400). Rankings sum buckets over a window
-- instead of reading a row per view.
CREATE TABLE engagement_buckets (
    span INTEGER NOT NULL CHECK (span IN (60, 3600, 86400)),
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    bucket_start TIMESTAMP NOT NULL,
    views BIGINT NOT NULL,
    reactions BIGINT NOT NULL,
    PRIMARY KEY (span, article_id, bucket_start)
);
CREATE INDEX engagement_buckets_window ON engagement_buckets (span, bucket_start);

-- When a session's next view of an article counts again (its last counted view
-- plus the repeat interval). Rows whose time has passed are pruned.
CREATE TABLE view_sessions (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    session_id TEXT COLLATE "C" NOT NULL,
    counts_again_at TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, session_id)
);
CREATE INDEX view_sessions_expiry ON view_sessions (counts_again_at);

-- A reaction counts once per session, article and kind.
CREATE TABLE session_reactions (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    session_id TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    reacted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, session_id, kind)
);

-- Reading history already imported lands in the hour and day buckets.
INSERT INTO engagement_buckets (span, article_id, bucket_start, views, reactions)
SELECT 3600, article_id, date_trunc('hour', read_at), COUNT(*), 0
FROM article_reads GROUP BY article_id, date_trunc('hour', read_at);
INSERT INTO engagement_buckets (span, article_id, bucket_start, views, reactions)
SELECT 86400, article_id, date_trunc('day', read_at), COUNT(*), 0
FROM article_reads GROUP BY article_id, date_trunc('day', read_at);

-- Rankings read which articles are visible, and their sections, from this index
-- alone.
DROP INDEX articles_published;
CREATE INDEX articles_published ON articles (status, published_at, id, section_id);
