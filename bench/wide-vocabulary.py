#!/usr/bin/env python3
"""An NDJSON site whose bodies use a wide vocabulary: N articles (default
10,000) of 600-1,000 words drawn (Zipf-like) from about 4,000 distinct words,
in 20 sections and 300 tags. The shape that made a cold search-index build
merge many segments at once.

    bench/wide-vocabulary.py [N] > site.ndjson
"""
import json
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
rnd = random.Random(7)
syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "da", "fe", "gu", "hi", "ja", "qu"]
words = set()
while len(words) < 4_000:
    words.add("".join(rnd.choice(syllables) for _ in range(rnd.randint(2, 4))))
words = sorted(words)
weights = [1 / (i + 1) ** 0.8 for i in range(len(words))]
out = sys.stdout
for s in range(20):
    parent = None if s < 5 else f"section-{s % 5}"
    out.write(json.dumps({"kind": "section", "slug": f"section-{s}", "name": f"Section {s}", "parent": parent}) + "\n")
for t in range(300):
    out.write(json.dumps({"kind": "tag", "slug": f"tag-{t}", "name": f"Tag {t}"}) + "\n")
out.write(json.dumps({"kind": "author", "slug": "staff", "name": "Staff"}) + "\n")
for i in range(n):
    body = []
    for _ in range(rnd.randint(6, 10)):
        text = " ".join(rnd.choices(words, weights, k=100))
        body.append({"type": "paragraph", "spans": [{"text": text.capitalize() + "."}]})
    tags = sorted({f"tag-{min(299, int(rnd.paretovariate(1.2)) - 1)}" for _ in range(3)})
    out.write(json.dumps({
        "kind": "article", "slug": f"story-{i}", "title": " ".join(rnd.choices(words, weights, k=7)).capitalize(),
        "summary": " ".join(rnd.choices(words, weights, k=25)).capitalize() + ".",
        "section": f"section-{rnd.randrange(20)}", "tags": tags, "authors": ["staff"], "body": body,
        "status": "published", "publishedAt": f"2026-{1 + i % 11:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
    }) + "\n")
