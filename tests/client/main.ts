// A frontend's use of Newsdesk, typed by clients generated from the committed
// contracts (openapi/openapi.json, schema.graphql). It must compile with
// `tsc --strict` and run against a server holding the test site: a contract
// change that breaks a typed client fails here.
//
// Usage: node dist/main.js <base-url> <article-slug> <tag-slug>

import type { components, paths } from "./generated/openapi.js";
import type {
  ArticlePageQuery,
  ArticlePageQueryVariables,
  LatestQuery,
  LatestQueryVariables,
  NodeQuery,
  NodeQueryVariables,
  ReactMutation,
  ReactMutationVariables,
} from "./generated/graphql.js";
import { readFileSync } from "node:fs";
import { InMemoryCache } from "@apollo/client";
import { Kind, parse, print, type DocumentNode } from "graphql";

type Ok<P extends keyof paths, M extends "get" | "post", S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { "application/json": infer T } } };
}
  ? T
  : never;

type ArticleList = Ok<"/v1/articles", "get", 200>;
type Article = Ok<"/v1/articles/{slug}", "get", 200>;
type Tags = Ok<"/v1/tags", "get", 200>;
type Ranking = Ok<"/v1/rankings/{kind}", "get", 200>;
type Search = Ok<"/v1/search", "get", 200>;
type Reacted = Ok<"/v1/articles/{slug}/reactions", "post", 202>;
type SideBox = paths["/v1/rankings/{kind}"]["get"]["responses"][200]["content"]["application/vnd.newsdesk.sparse+json"];
type Problem = components["schemas"]["Problem"];
type Block = components["schemas"]["Block"];

// Each of these is a real type: a path or status the document stopped
// describing would make it `never`, on which any use compiles.
type Described<T> = [T] extends [never] ? false : true;
const described: [
  Described<ArticleList>,
  Described<Article>,
  Described<Tags>,
  Described<Ranking>,
  Described<Search>,
  Described<Reacted>,
  Described<SideBox>,
] = [true, true, true, true, true, true, true];

const [base, slug, tag] = process.argv.slice(2);
if (!base || !slug || !tag) {
  throw new Error("usage: node dist/main.js <base-url> <article-slug> <tag-slug>");
}

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`contract broken: ${what}`);
}

async function rest<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(base + path, init);
  const body: unknown = await res.json();
  if (init === undefined && path.includes("fields=")) {
    check(res.headers.get("content-type") === "application/vnd.newsdesk.sparse+json", `${path} is typed sparse`);
  }
  check(res.ok, `${path} answered ${res.status}: ${JSON.stringify(body)}`);
  return body as T;
}

const operations = readFileSync(new URL("../operations.graphql", import.meta.url), "utf8");

async function graphql<T, V>(operationName: string, variables: V, query: string = operations): Promise<T> {
  const res = await fetch(base + "/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, operationName, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  check(res.ok && !body.errors && body.data !== undefined, `${operationName}: ${JSON.stringify(body)}`);
  return body.data;
}

function text(block: Block): string {
  switch (block.type) {
    case "paragraph":
      return block.spans.map((s) => s.text).join("");
    case "heading":
      return block.text;
    case "link_list":
      return block.items.map((i) => i.text).join(", ");
    case "quote":
      return block.text;
    case "image":
      return block.alt;
    case "embed":
      return block.url;
  }
}

// REST: the article page, its lists, and a reaction.
const article = await rest<Article>(`/v1/articles/${slug}`);
const breadcrumb = article.section.path.map((s) => `${s.name} (${s.id})`).join(" › ");
const body = article.body.map(text).join("\n");
check(body.length > 0, "the article has a body");
check(article.reactions.every((r) => typeof r.count === "number"), "reaction counts are numbers");
const hero: string | null = article.heroImage === null ? null : article.heroImage.src;
const published: string | null = article.publishedAt;

const latest = await rest<ArticleList>(`/v1/articles?limit=2&tag=${tag}`);
check(latest.totalCount >= latest.data.length, "totalCount counts the whole list");
const first = latest.data[0];
check(first !== undefined && first.tags.some((t) => t.slug === tag), "the tag filter applies");
check(!("body" in first), "cards carry no body");
const next: string | null = latest.nextCursor;

const tags = await rest<Tags>("/v1/tags?limit=100");
check(tags.data.every((t) => t.id.startsWith("tag_")), "tags carry global ids");
const ranking = await rest<Ranking>("/v1/rankings/most-read?window=24h&limit=5");
const kind: "most-read" | "trending" | "most-reacted" = ranking.kind;
// A side box asks for the fields it shows; its answer is typed as partial.
const box = await rest<SideBox>("/v1/rankings/most-read?limit=5&fields=slug,title,section.name");
const titles: (string | undefined)[] = (box.data ?? []).map((e) => e.article?.title);
check(titles.every((t) => t !== undefined), "a side box gets the fields it asked for");
const search = await rest<Search>(`/v1/search?q=${encodeURIComponent(article.title.split(" ")[0] ?? "a")}`);
check(search.totalCount >= search.data.length, "search counts its matches");

const session = "client-check-0001";
const reacted = await rest<Reacted>(`/v1/articles/${slug}/reactions`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ kind: article.reactions[0]?.kind ?? "like", sessionId: session }),
});
check(reacted.sessionReactions.length === 1, "the session's reaction is listed");

const missing = await fetch(`${base}/v1/articles/no-such-article`);
const problem = (await missing.json()) as Problem;
check(missing.status === 404 && problem.status === 404 && problem.code === "NOT_FOUND", "a 404 is a problem");

// GraphQL: the same page, paging both ways, identity, and a mutation payload.
const page = await graphql<ArticlePageQuery, ArticlePageQueryVariables>("ArticlePage", { slug });
check(page.article?.id === article.id, "REST and GraphQL share ids");
check(page.article.section.path.length === article.section.path.length, "the same breadcrumb");
const kinds: string[] = page.reactionKinds;
const ranked: "MOST_READ" | "TRENDING" | "MOST_REACTED" = page.ranking.kind;

const forward = await graphql<LatestQuery, LatestQueryVariables>("Latest", { first: 100, tag });
const backward = await graphql<LatestQuery, LatestQueryVariables>("Latest", { last: 1, tag });
check(forward.articles.totalCount === latest.totalCount, "GraphQL and REST totals agree");
check(
  backward.articles.edges[0]?.node.slug === forward.articles.edges[forward.articles.edges.length - 1]?.node.slug,
  "last: 1 is the end of the list",
);

const node = await graphql<NodeQuery, NodeQueryVariables>("Node", { id: article.section.id });
check(node.node?.__typename === "Section" && node.node.slug === article.section.slug, "node finds a section");

const payload = await graphql<ReactMutation, ReactMutationVariables>("React", {
  article: slug,
  kind: kinds[1] ?? kinds[0] ?? "like",
  session,
});
check(payload.react.article.id === article.id, "react answers the article");

// Apollo's normalized cache: the article page, then a list holding the same
// article. Objects with ids merge, so the page's breadcrumb (which the list
// does not ask for) is still in the cache for the page to read back.
const cache = new InMemoryCache({
  possibleTypes: {
    Node: ["Article", "Section", "Tag", "Author"],
    Block: ["ParagraphBlock", "HeadingBlock", "LinkListBlock", "QuoteBlock", "ImageBlock", "EmbedBlock"],
  },
});
const parsed = parse(operations);
// One operation with every fragment, as Apollo sends it (with `__typename`s).
const operation = (name: string): DocumentNode =>
  cache.transformDocument({
    ...parsed,
    definitions: parsed.definitions.filter(
      (d) => d.kind === Kind.FRAGMENT_DEFINITION || (d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name),
    ),
  });
const pageDoc = operation("ArticlePage");
const cachedPage = await graphql<ArticlePageQuery, ArticlePageQueryVariables>("ArticlePage", { slug }, print(pageDoc));
cache.writeQuery({ query: pageDoc, variables: { slug }, data: cachedPage });
const sameTag = cachedPage.article?.tags[0]?.slug ?? tag;
const listDoc = operation("Latest");
const listVars: LatestQueryVariables = { first: 100, tag: sameTag };
const cachedList = await graphql<LatestQuery, LatestQueryVariables>("Latest", listVars, print(listDoc));
check(cachedList.articles.edges.some((e) => e.node.id === article.id), "the list holds the page's article");
cache.writeQuery({ query: listDoc, variables: listVars, data: cachedList });
const readBack = cache.readQuery<ArticlePageQuery, ArticlePageQueryVariables>({ query: pageDoc, variables: { slug } });
check(
  readBack?.article?.section.path.length === article.section.path.length && article.section.path.length > 0,
  "a normalized cache keeps the breadcrumb after a list loads the same article",
);
check(cache.identify({ __typename: "Section", id: article.section.id }) !== undefined, "sections are normalized");

console.log(
  JSON.stringify({ described, titles, breadcrumb, hero, published, next, kind, ranked, sessionReactions: payload.react.sessionReactions }),
);
