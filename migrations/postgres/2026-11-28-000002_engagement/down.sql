DROP INDEX articles_published;
CREATE INDEX articles_published ON articles (status, published_at, id);
DROP TABLE session_reactions;
DROP TABLE view_sessions;
DROP TABLE engagement_buckets;
