//! The demo's words: a vocabulary shaped like a news archive's, so that search,
//! related articles and the content model are measured on realistic text.
//!
//! About 60,000 entries: English stems and their derived forms (`regulate`,
//! `regulators`, `overregulation`…), people, places and organisations, ranked
//! so that short common forms come first and derived forms and names make the
//! long tail. Words are drawn with a Zipf law over that ranking (a few words
//! are everywhere, most are rare), and each topic has its own few hundred words
//! drawn more often in its articles. Deterministic for a seed.

use super::{Rng, ZipfTable, capitalize};

const STEMS: &[&str] = &[
    "account",
    "act",
    "adjust",
    "admit",
    "advise",
    "align",
    "alter",
    "appeal",
    "approve",
    "assess",
    "assign",
    "attach",
    "attempt",
    "audit",
    "balance",
    "bank",
    "bargain",
    "benefit",
    "bid",
    "block",
    "boost",
    "borrow",
    "brand",
    "brief",
    "budget",
    "build",
    "burden",
    "calculate",
    "campaign",
    "cancel",
    "capital",
    "cast",
    "caution",
    "challenge",
    "charge",
    "charter",
    "check",
    "claim",
    "clear",
    "climate",
    "close",
    "code",
    "collect",
    "comfort",
    "command",
    "comment",
    "commit",
    "compete",
    "complain",
    "comply",
    "conduct",
    "confirm",
    "connect",
    "consider",
    "construct",
    "consult",
    "consume",
    "contain",
    "contest",
    "contract",
    "control",
    "convert",
    "cost",
    "count",
    "court",
    "cover",
    "craft",
    "credit",
    "cross",
    "crowd",
    "cultivate",
    "cut",
    "deal",
    "debate",
    "decide",
    "declare",
    "defend",
    "define",
    "delay",
    "deliver",
    "demand",
    "deploy",
    "deposit",
    "design",
    "detect",
    "develop",
    "direct",
    "discover",
    "dispute",
    "divide",
    "document",
    "draft",
    "drill",
    "earn",
    "educate",
    "elect",
    "employ",
    "enable",
    "engage",
    "enrol",
    "ensure",
    "enter",
    "equip",
    "estimate",
    "exchange",
    "exclude",
    "expand",
    "expect",
    "explain",
    "export",
    "express",
    "extend",
    "farm",
    "favour",
    "feature",
    "finance",
    "fish",
    "fix",
    "flow",
    "focus",
    "follow",
    "force",
    "forecast",
    "form",
    "found",
    "frame",
    "fund",
    "gain",
    "gather",
    "govern",
    "grant",
    "ground",
    "grow",
    "guard",
    "guide",
    "handle",
    "harm",
    "harvest",
    "heal",
    "help",
    "hire",
    "host",
    "house",
    "import",
    "improve",
    "include",
    "increase",
    "index",
    "inform",
    "insure",
    "invent",
    "invest",
    "issue",
    "join",
    "judge",
    "label",
    "land",
    "launch",
    "lead",
    "learn",
    "lease",
    "lend",
    "license",
    "limit",
    "list",
    "load",
    "loan",
    "lobby",
    "lock",
    "manage",
    "map",
    "mark",
    "market",
    "measure",
    "merge",
    "mine",
    "mint",
    "mobilise",
    "model",
    "monitor",
    "move",
    "name",
    "negotiate",
    "note",
    "object",
    "offer",
    "open",
    "operate",
    "order",
    "organise",
    "own",
    "pack",
    "paint",
    "park",
    "pass",
    "patent",
    "pay",
    "perform",
    "permit",
    "picture",
    "place",
    "plan",
    "plant",
    "play",
    "pledge",
    "point",
    "police",
    "poll",
    "post",
    "power",
    "predict",
    "prepare",
    "present",
    "press",
    "price",
    "print",
    "process",
    "produce",
    "profit",
    "program",
    "project",
    "promise",
    "promote",
    "protect",
    "protest",
    "prove",
    "provide",
    "publish",
    "question",
    "rally",
    "rate",
    "reach",
    "react",
    "record",
    "recruit",
    "reform",
    "regulate",
    "release",
    "rent",
    "repair",
    "report",
    "rescue",
    "research",
    "reserve",
    "resolve",
    "respond",
    "retail",
    "return",
    "review",
    "reward",
    "risk",
    "rule",
    "sail",
    "save",
    "scale",
    "school",
    "score",
    "screen",
    "search",
    "secure",
    "sell",
    "settle",
    "shape",
    "share",
    "shift",
    "ship",
    "shop",
    "sign",
    "signal",
    "skill",
    "source",
    "spend",
    "sponsor",
    "staff",
    "stage",
    "stand",
    "start",
    "state",
    "step",
    "stock",
    "store",
    "stream",
    "strike",
    "study",
    "supply",
    "support",
    "survey",
    "sustain",
    "tax",
    "teach",
    "test",
    "track",
    "trade",
    "train",
    "transfer",
    "travel",
    "treat",
    "trust",
    "turn",
    "value",
    "vote",
    "wage",
    "warn",
    "watch",
    "water",
    "weigh",
    "welcome",
    "work",
    "yield",
];

const PREFIXES: &[&str] = &[
    "re", "un", "pre", "over", "under", "co", "counter", "mis", "out", "sub", "inter", "non", "post", "semi", "super",
    "cross", "multi", "anti", "mid", "self",
];

const SUFFIXES: &[&str] = &[
    "s", "ed", "ing", "er", "ers", "ment", "ments", "able", "ation", "ations", "ive", "ively", "ance", "ist", "ists",
    "ership", "ful", "less", "ism", "ity",
];

const SYLLABLES: &[&str] = &[
    "an", "ber", "cal", "dor", "el", "fen", "gar", "hol", "is", "kar", "lin", "mar", "nor", "ost", "pra", "quin",
    "ros", "sal", "tor", "ul", "ven", "wal", "yor", "zan", "bri", "cor", "del", "est", "fal", "gren",
];

const ORG_KINDS: &[&str] =
    &["Group", "Council", "Institute", "Partners", "Bank", "Union", "Labs", "Foundation", "Authority", "Holdings"];

/// The demo's vocabulary, drawn from by the text generator.
pub struct Lexicon {
    /// Every entry, most frequent first.
    words: Vec<String>,
    zipf: ZipfTable,
    /// Per topic: entries (indices into `words`) its articles favour.
    topics: Vec<Vec<u32>>,
    topic_zipf: ZipfTable,
    /// Where in `words` the names of places start, and how many there are.
    places: std::ops::Range<usize>,
    people: std::ops::Range<usize>,
}

/// Entries of a topic's own vocabulary.
const TOPIC_WORDS: usize = 400;

impl Lexicon {
    pub fn new(seed: u64, topics: usize, first: &[&str], last: &[&str]) -> Self {
        let mut rng = Rng::new(seed ^ 0x1e41_c0de);
        // Common: the stems and their plain inflections; then derived forms and
        // names, shuffled into a long tail.
        let mut words: Vec<String> = STEMS.iter().map(|s| (*s).to_owned()).collect();
        for s in STEMS {
            for suffix in &SUFFIXES[..3] {
                words.push(inflect(s, suffix));
            }
        }
        let mut tail: Vec<String> = Vec::new();
        for s in STEMS {
            for suffix in &SUFFIXES[3..] {
                tail.push(inflect(s, suffix));
            }
            for prefix in PREFIXES {
                tail.push(format!("{prefix}{s}"));
                for _ in 0..2 {
                    let suffix = SUFFIXES[rng.below(SUFFIXES.len())];
                    tail.push(format!("{prefix}{}", inflect(s, suffix)));
                }
            }
        }
        let mut places = Vec::new();
        while places.len() < 4_000 {
            let n = 2 + rng.below(2);
            let name: String = (0..n).map(|_| *rng.pick(SYLLABLES)).collect();
            places.push(capitalize(&name));
        }
        places.sort_unstable();
        places.dedup();
        for place in places.iter().take(1_500) {
            tail.push(format!("{place} {}", rng.pick(ORG_KINDS)));
        }
        let mut people = Vec::new();
        for f in first {
            for l in last {
                people.push(format!("{f} {l}"));
            }
        }
        tail.sort_unstable();
        tail.dedup();
        shuffle(&mut rng, &mut tail);
        words.extend(tail);
        let places_at = words.len();
        words.extend(places.iter().cloned());
        let people_at = words.len();
        words.extend(people);
        let zipf = ZipfTable::new(people_at, 1.0);
        let topics = (0..topics)
            .map(|_| (0..TOPIC_WORDS).map(|_| (200 + rng.below(places_at - 200)) as u32).collect())
            .collect();
        Self {
            words,
            zipf,
            topics,
            topic_zipf: ZipfTable::new(TOPIC_WORDS, 0.9),
            places: places_at..people_at,
            people: people_at..people_at + first.len() * last.len(),
        }
    }

    /// Any word, by its frequency.
    pub fn word(&self, rng: &mut Rng) -> &str {
        &self.words[self.zipf.sample(rng, usize::MAX)]
    }

    /// A word of the topic's own vocabulary.
    pub fn topic_word(&self, rng: &mut Rng, topic: usize) -> &str {
        let t = &self.topics[topic];
        &self.words[t[self.topic_zipf.sample(rng, t.len())] as usize]
    }

    pub fn place(&self, rng: &mut Rng) -> &str {
        &self.words[self.places.start + rng.below(self.places.len())]
    }

    pub fn person(&self, rng: &mut Rng) -> &str {
        &self.words[self.people.start + rng.below(self.people.len())]
    }

    /// A clause of news prose about the topic: many common words, some of the
    /// topic's, a name or a number now and then.
    pub fn clause(&self, rng: &mut Rng, topic: usize) -> String {
        let w = |rng: &mut Rng| self.word(rng).to_owned();
        let t = |rng: &mut Rng| self.topic_word(rng, topic).to_owned();
        match rng.below(6) {
            0 => format!("{} {} the {} {}", w(rng), w(rng), t(rng), t(rng)),
            1 => format!("while {} of the {} {} {}", self.person(rng), t(rng), w(rng), t(rng)),
            2 => format!("in {}, where {} {} {} {}", self.place(rng), number(rng), t(rng), w(rng), w(rng)),
            3 => format!("{} {} {} {} and {}", w(rng), t(rng), w(rng), w(rng), t(rng)),
            4 => format!("as the {} {} {} by {} per cent", t(rng), w(rng), w(rng), 1 + rng.below(60)),
            _ => format!("with {} {}, {} {} and {} {}", t(rng), w(rng), w(rng), t(rng), w(rng), w(rng)),
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.words.len()
    }
}

/// A stem with a suffix, with the commonest English spelling rules.
fn inflect(stem: &str, suffix: &str) -> String {
    let vowel = |c: char| "aeiou".contains(c);
    if let (Some(base), Some(rest)) = (stem.strip_suffix('e'), suffix.strip_prefix("at"))
        && base.ends_with("at")
    {
        // regulate + ation: regulation
        return format!("{base}{rest}");
    }
    match (stem.strip_suffix('e'), suffix.chars().next()) {
        (Some(base), Some(c)) if vowel(c) => format!("{base}{suffix}"),
        _ => format!("{stem}{suffix}"),
    }
}

fn number(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!("{}", 1990 + rng.below(37)),
        1 => format!("{}.{}", 1 + rng.below(99), rng.below(10)),
        2 => format!("{},{:03}", 1 + rng.below(900), rng.below(1000)),
        _ => format!("{}", 2 + rng.below(500)),
    }
}

fn shuffle<T>(rng: &mut Rng, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i + 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_vocabulary_drawn_zipf_like() {
        let lexicon = Lexicon::new(1, 4, &["Ana", "Ben"], &["Chen", "Rossi"]);
        assert!(lexicon.len() > 15_000, "{} entries", lexicon.len());
        let mut rng = Rng::new(9);
        let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for _ in 0..200_000 {
            *counts.entry(lexicon.word(&mut rng)).or_default() += 1;
        }
        let mut by_count: Vec<usize> = counts.values().copied().collect();
        by_count.sort_unstable_by(|a, b| b.cmp(a));
        assert!(counts.len() > 8_000, "{} distinct words in 200,000", counts.len());
        // Zipf: the 10th most frequent word is about a tenth as frequent as the first.
        let ratio = by_count[0] as f64 / by_count[9] as f64;
        assert!((5.0..20.0).contains(&ratio), "{ratio}");
        assert_eq!(inflect("regulate", "ation"), "regulation");
        assert_eq!(inflect("bank", "ers"), "bankers");
    }
}
