DROP TABLE engagement_version;
