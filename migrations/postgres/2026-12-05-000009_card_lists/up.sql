-- A card's relations live on its article's row, so that a page of cards reads
-- the rows of its list's index and nothing else: the tag and author ids
-- (`position:id`, comma-separated) and the reaction counts (`kind:count`), NULL
-- when there are none, in no particular order. Written with the links (a
-- change of an article's tags or authors) and with the counts (each flush of
-- reactions, each import).
ALTER TABLE articles ADD COLUMN tag_list TEXT;
ALTER TABLE articles ADD COLUMN author_list TEXT;
ALTER TABLE articles ADD COLUMN reaction_list TEXT;
UPDATE articles SET
    tag_list = (SELECT string_agg(CAST(l.position AS TEXT) || ':' || CAST(l.tag_id AS TEXT), ',')
                FROM article_tags l WHERE l.article_id = articles.id),
    author_list = (SELECT string_agg(CAST(l.position AS TEXT) || ':' || CAST(l.author_id AS TEXT), ',')
                   FROM article_authors l WHERE l.article_id = articles.id),
    reaction_list = (SELECT string_agg(r.kind || ':' || CAST(r.count AS TEXT), ',')
                     FROM article_reactions r WHERE r.article_id = articles.id);

-- Only the cards read these.
DROP INDEX article_tags_cards;
DROP INDEX article_authors_cards;
DROP INDEX article_reactions_cards;
