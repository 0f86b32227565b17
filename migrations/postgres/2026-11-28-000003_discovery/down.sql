DROP INDEX articles_updated;
DROP TABLE instance;
