CREATE INDEX article_tags_cards ON article_tags (article_id, position, tag_id);
CREATE INDEX article_authors_cards ON article_authors (article_id, position, author_id);
CREATE INDEX article_reactions_cards ON article_reactions (article_id, kind, count);
ALTER TABLE articles DROP COLUMN reaction_list;
ALTER TABLE articles DROP COLUMN author_list;
ALTER TABLE articles DROP COLUMN tag_list;
