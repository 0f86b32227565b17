DROP INDEX article_reactions_cards;
DROP INDEX article_authors_cards;
DROP INDEX article_tags_cards;
