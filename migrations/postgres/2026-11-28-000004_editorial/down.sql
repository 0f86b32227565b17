DROP TABLE content_version;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE audit_log;
DROP TABLE article_redirects;
DROP TABLE article_revisions;
DROP TABLE api_keys;
