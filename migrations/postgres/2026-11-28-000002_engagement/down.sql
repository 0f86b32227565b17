DROP TABLE session_reactions;
DROP TABLE view_sessions;
DROP TABLE engagement_buckets;
