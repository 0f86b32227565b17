-- Lists read cards, never bodies: bodies move to their own table, so an
-- article's row is a few hundred bytes and the columns after the body no longer
-- sit behind its overflow pages.
CREATE TABLE article_bodies (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    body TEXT NOT NULL CHECK (json_valid(body))
);
INSERT INTO article_bodies (article_id, body) SELECT id, body FROM articles;
ALTER TABLE articles DROP COLUMN body;

-- Lists by tag and by author walk the link table in the list's order: each link
-- carries its article's listing keys (`listed_at`: the publication time of a
-- published article, else NULL; `views`), kept by the triggers below.
ALTER TABLE article_tags ADD COLUMN listed_at TIMESTAMP;
ALTER TABLE article_tags ADD COLUMN views BIGINT NOT NULL DEFAULT 0;
ALTER TABLE article_authors ADD COLUMN listed_at TIMESTAMP;
ALTER TABLE article_authors ADD COLUMN views BIGINT NOT NULL DEFAULT 0;
UPDATE article_tags SET (listed_at, views) = (
    SELECT CASE WHEN a.status = 'published' THEN a.published_at END, a.views
    FROM articles a WHERE a.id = article_tags.article_id);
UPDATE article_authors SET (listed_at, views) = (
    SELECT CASE WHEN a.status = 'published' THEN a.published_at END, a.views
    FROM articles a WHERE a.id = article_authors.article_id);

DROP INDEX article_tags_tag;
DROP INDEX article_authors_author;
CREATE INDEX article_tags_listed ON article_tags (tag_id, listed_at, article_id);
CREATE INDEX article_tags_views ON article_tags (tag_id, views, article_id, listed_at);
CREATE INDEX article_authors_listed ON article_authors (author_id, listed_at, article_id);
CREATE INDEX article_authors_views ON article_authors (author_id, views, article_id, listed_at);

CREATE TRIGGER article_tags_listing AFTER INSERT ON article_tags BEGIN
    UPDATE article_tags SET (listed_at, views) = (
        SELECT CASE WHEN a.status = 'published' THEN a.published_at END, a.views
        FROM articles a WHERE a.id = NEW.article_id)
    WHERE article_id = NEW.article_id AND tag_id = NEW.tag_id;
END;
CREATE TRIGGER article_authors_listing AFTER INSERT ON article_authors BEGIN
    UPDATE article_authors SET (listed_at, views) = (
        SELECT CASE WHEN a.status = 'published' THEN a.published_at END, a.views
        FROM articles a WHERE a.id = NEW.article_id)
    WHERE article_id = NEW.article_id AND author_id = NEW.author_id;
END;
CREATE TRIGGER articles_listing AFTER UPDATE OF status, published_at, views ON articles
WHEN NEW.status IS NOT OLD.status OR NEW.published_at IS NOT OLD.published_at OR NEW.views IS NOT OLD.views
BEGIN
    UPDATE article_tags
    SET listed_at = CASE WHEN NEW.status = 'published' THEN NEW.published_at END, views = NEW.views
    WHERE article_id = NEW.id;
    UPDATE article_authors
    SET listed_at = CASE WHEN NEW.status = 'published' THEN NEW.published_at END, views = NEW.views
    WHERE article_id = NEW.id;
END;

-- Sections are filtered inside the publication and views indexes (a section
-- with its sub-sections is a list of ids), which keep the lists' order; an
-- index led by the section would make the planner sort.
DROP INDEX articles_section;
DROP INDEX articles_views;
CREATE INDEX articles_views ON articles (status, views, id, published_at, section_id);
