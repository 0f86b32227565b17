-- A card reads its article's tag ids, author ids and reaction counts with the
-- article row (aggregated per article): these indexes hold every column those
-- reads need, in order, so they never visit the link tables' rows.
CREATE INDEX article_tags_cards ON article_tags (article_id, position, tag_id);
CREATE INDEX article_authors_cards ON article_authors (article_id, position, author_id);
CREATE INDEX article_reactions_cards ON article_reactions (article_id, kind, count);
