-- Delta sync (docs/sync.md). `sync_seq` is the content version of the last
-- change to the article as a mirror sees it (its fields, body, relations, or the
-- names of its section, tags and authors); counters never move it.
-- `public_slug` is the slug the article last had while public (NULL: never
-- public, so a mirror never held it and it gets no tombstone).
-- `release_pending`: published with a publication time still to come; when that
-- time passes, the scheduler marks the article changed.
ALTER TABLE articles ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN public_slug TEXT;
ALTER TABLE articles ADD COLUMN release_pending BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE articles SET public_slug = slug WHERE status IN ('published', 'archived');
UPDATE articles SET release_pending = TRUE
    WHERE status = 'published' AND published_at > now() AT TIME ZONE 'UTC';
CREATE INDEX articles_sync ON articles (sync_seq, id);
CREATE INDEX articles_release ON articles (published_at) WHERE release_pending;

-- Articles deleted after being public: what a mirror must drop. Kept for the
-- sync retention, then pruned; `sync_horizon.seq` is the highest version pruned
-- (a token from before it answers 410).
CREATE TABLE sync_tombstones (
    article_id BIGINT PRIMARY KEY NOT NULL,
    slug TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    deleted_at TIMESTAMP NOT NULL
);
CREATE INDEX sync_tombstones_seq ON sync_tombstones (seq, article_id);
CREATE INDEX sync_tombstones_age ON sync_tombstones (deleted_at);

CREATE TABLE sync_horizon (
    id BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO sync_horizon (id, seq) VALUES (1, 0);
