-- Bumped by every write to the engagement buckets (counted beacons, imports,
-- pruning): a node recomputes its rankings only when this, the content
-- version or the windows' bounds have moved.
CREATE TABLE engagement_version (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO engagement_version (id, version) VALUES (1, 0);
