// Validates feed and sitemap documents fetched from a server (the directory
// given) with maintained validators: JSON feeds with Ajv against the JSON Feed
// 1.1 schema (npm `jsonfeed-schema`), XML with libxml2's xmllint (npm
// `xmllint-wasm`) against the sitemaps protocol's sitemap.xsd (npm `sitemap`),
// the sitemap index and Google News schemas, and the rules of RSS 2.0
// (`schemas/`). Files are named `*.rss.xml`, `*.feed.json`, `index.sitemap.xml`,
// `*.urls.sitemap.xml` and `news.sitemap.xml`. Prints what it checked; exits 1
// on the first invalid document.
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { validateXML } from "xmllint-wasm";

const require = createRequire(import.meta.url);
const dir = process.argv[2];
const here = new URL(".", import.meta.url).pathname;
const file = (name, path) => ({ fileName: name, contents: readFileSync(path, "utf8") });
const sitemapXsd = file("sitemap.xsd", join(require.resolve("sitemap/package.json"), "..", "schema", "sitemap.xsd"));
const local = (name) => file(name, join(here, "schemas", name));

const schemas = {
  rss: { schema: [local("rss-2.0.xsd")], preload: [] },
  urls: { schema: [sitemapXsd], preload: [] },
  index: { schema: [local("siteindex.xsd")], preload: [sitemapXsd] },
  news: { schema: [local("news.xsd")], preload: [sitemapXsd, local("sitemap-news.xsd")] },
};

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const jsonFeed = ajv.compile(JSON.parse(readFileSync(require.resolve("jsonfeed-schema/schema-v1.1.json"), "utf8")));

let checked = 0;
for (const name of readdirSync(dir).sort()) {
  const contents = readFileSync(join(dir, name), "utf8");
  if (name.endsWith(".feed.json")) {
    if (!jsonFeed(JSON.parse(contents))) {
      console.error(`${name}: ${ajv.errorsText(jsonFeed.errors)}`);
      process.exit(1);
    }
  } else {
    const kind = name.endsWith(".rss.xml") ? "rss" : name === "index.sitemap.xml" ? "index" : name === "news.sitemap.xml" ? "news" : "urls";
    const result = await validateXML({ xml: [{ fileName: name, contents }], ...schemas[kind] });
    if (!result.valid) {
      console.error(`${name} (${kind}): ${result.errors.map((e) => e.rawMessage).join("\n")}`);
      process.exit(1);
    }
  }
  checked += 1;
}
console.log(JSON.stringify({ checked }));
