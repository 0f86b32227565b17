DROP TABLE sync_horizon;
DROP TABLE sync_tombstones;
DROP INDEX articles_release;
DROP INDEX articles_sync;
ALTER TABLE articles DROP COLUMN release_pending;
ALTER TABLE articles DROP COLUMN public_slug;
ALTER TABLE articles DROP COLUMN sync_seq;
