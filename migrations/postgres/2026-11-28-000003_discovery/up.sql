-- Search indexes follow the articles changed since their last sync.
CREATE INDEX articles_updated ON articles (updated_at, id);

-- A random identity of this database, so that derived data kept outside it (a
-- node's search index) can tell whether it belongs to it.
CREATE TABLE instance (id TEXT PRIMARY KEY);
INSERT INTO instance (id) VALUES (md5(random()::text || clock_timestamp()::text));
