DROP TABLE article_reads;
DROP TABLE article_reactions;
DROP TABLE article_authors;
DROP TABLE article_tags;
DROP TABLE articles;
DROP TABLE authors;
DROP TABLE tags;
DROP TABLE sections;
