//! The demo's prose: headlines, sentences and paragraphs with links to other
//! articles of the set.

use crate::body::{Block, LinkItem, Mark, Span};
use crate::slug::Slug;

use super::lexicon::Lexicon;
use super::topics::{ADJECTIVES, Topic};
use super::{Rng, capitalize, slug};

pub(super) const SAID: &[&str] = &["said", "warned", "argued", "suggested", "insisted", "noted"];
pub(super) const PAST: &[&str] =
    &["reshaped", "tested", "lifted", "divided", "drove", "slowed", "revived", "challenged", "boosted", "unsettled"];
pub(super) const WHEN: &[&str] =
    &["this week", "on Monday", "last month", "over the summer", "in recent days", "since the spring", "this year"];
pub(super) const WHY: &[&str] = &[
    "after a difficult quarter",
    "despite months of uncertainty",
    "as costs continued to climb",
    "amid growing public interest",
    "following a string of surprises",
    "ahead of a crucial decision",
];

/// What a generated article is about, and the words to write it with.
pub(super) struct Pen<'a> {
    pub(super) t: &'a Topic,
    pub(super) ti: usize,
    pub(super) lexicon: &'a Lexicon,
}

/// One sentence of plausible news prose about the topic.
pub(super) fn sentence(rng: &mut Rng, pen: &Pen<'_>, words: &mut usize) -> String {
    let t = pen.t;
    let noun = *rng.pick(t.nouns);
    let other = *rng.pick(t.nouns);
    let people = *rng.pick(t.people);
    let s = match rng.below(8) {
        0 => format!(
            "{} {} that the {} would shape the {} {}",
            capitalize(people),
            rng.pick(SAID),
            noun,
            other,
            rng.pick(WHEN)
        ),
        1 => format!("The {} {} {} {}, according to {}", rng.pick(ADJECTIVES), noun, rng.pick(PAST), other, people),
        2 => format!("Many {} have followed the {} closely {}", people, noun, rng.pick(WHY)),
        3 => format!(
            "It was the {} time {} that the {} {} {}",
            rng.pick(&["first", "second", "third"]),
            rng.pick(WHEN),
            noun,
            rng.pick(PAST),
            people
        ),
        4 => {
            format!("{} per cent of {} surveyed said {} mattered more than {}", 10 + rng.below(80), people, noun, other)
        }
        5 => format!("Questions about {} and {} remain open {}", noun, other, rng.pick(WHY)),
        6 => format!("\"We did not expect the {} to move this fast,\" one of the {} said", noun, people),
        _ => format!(
            "The debate over {} is far from settled, and {} expect a {} year",
            noun,
            people,
            rng.pick(ADJECTIVES)
        ),
    };
    let mut s = capitalize(&s);
    if rng.chance(0.8) {
        s.push_str(", ");
        s.push_str(&pen.lexicon.clause(rng, pen.ti));
    }
    *words += s.split_whitespace().count();
    s.push('.');
    s
}

/// A headline about the topic.
pub(super) fn headline(rng: &mut Rng, t: &Topic) -> String {
    let noun = *rng.pick(t.nouns);
    let people = *rng.pick(t.people);
    let h = match rng.below(6) {
        0 => format!("{} {} {} as {} take stock", rng.pick(ADJECTIVES), noun, rng.pick(PAST), people),
        1 => format!("What the {} {} means for {}", rng.pick(ADJECTIVES), noun, people),
        2 => format!("{} weigh a {} turn in {}", people, rng.pick(ADJECTIVES), noun),
        3 => format!("Why {} {} {}", noun, rng.pick(PAST), rng.pick(WHEN)),
        4 => format!("Inside the {} over {}", rng.pick(&["fight", "race", "push", "rethink"]), noun),
        _ => {
            let i = t.nouns.iter().position(|n| *n == noun).unwrap_or(0);
            format!(
                "{} and {}: {} look ahead",
                noun,
                t.nouns[(i + 1 + rng.below(t.nouns.len() - 1)) % t.nouns.len()],
                people
            )
        }
    };
    capitalize(&h)
}

pub(super) fn paragraph(rng: &mut Rng, pen: &Pen<'_>, words: &mut usize, links: &[(Slug, String)]) -> Block {
    let t = pen.t;
    let mut spans = Vec::new();
    for _ in 0..2 + rng.below(4) {
        let text = sentence(rng, pen, words) + " ";
        let roll = rng.below(12);
        let span = match roll {
            0 => Span { text, marks: vec![Mark::Bold], href: None, article: None },
            1 => Span { text, marks: vec![Mark::Italic], href: None, article: None },
            2 if !links.is_empty() => {
                let (slug, _) = rng.pick(links).clone();
                Span { text, marks: Vec::new(), href: None, article: Some(slug) }
            }
            3 => Span {
                text,
                marks: Vec::new(),
                href: Some(format!("https://example.org/{}", slug(t.name))),
                article: None,
            },
            _ => Span { text, marks: Vec::new(), href: None, article: None },
        };
        spans.push(span);
    }
    Block::Paragraph { spans }
}

pub(super) fn body(rng: &mut Rng, pen: &Pen<'_>, target: usize, links: &[(Slug, String)]) -> Vec<Block> {
    let t = pen.t;
    let mut words = 0;
    let mut blocks = Vec::new();
    let mut step = 0;
    while words < target {
        step += 1;
        match step % 7 {
            3 => {
                let text = capitalize(&format!("{} and the {}", rng.pick(t.nouns), rng.pick(t.people)));
                blocks.push(Block::Heading { level: if step % 2 == 0 { 3 } else { 2 }, text });
            }
            5 if !links.is_empty() && !blocks.iter().any(|b| matches!(b, Block::LinkList { .. })) => {
                let items = (0..3.min(links.len()))
                    .map(|i| {
                        let (slug, title) = links[(i + rng.below(links.len())) % links.len()].clone();
                        LinkItem { text: title, article: Some(slug), url: None }
                    })
                    .collect();
                blocks.push(Block::LinkList { title: Some("Read more".into()), items });
            }
            6 if !blocks.iter().any(|b| matches!(b, Block::Quote { .. })) => {
                let text = sentence(rng, pen, &mut words);
                blocks.push(Block::Quote { text, attribution: Some(format!("one of the {}", rng.pick(t.people))) });
            }
            0 if !blocks.iter().any(|b| matches!(b, Block::Image { .. })) => {
                let caption = sentence(rng, pen, &mut words);
                blocks.push(Block::Image {
                    src: format!("https://images.example.org/{}/{}.jpg", t.slug, rng.below(10_000)),
                    alt: capitalize(rng.pick::<&str>(t.nouns)),
                    caption: Some(caption),
                });
            }
            1 if step > 7 && rng.chance(0.3) && !blocks.iter().any(|b| matches!(b, Block::Embed { .. })) => {
                blocks.push(Block::Embed {
                    provider: "video".into(),
                    url: format!("https://video.example.org/watch/{}", rng.below(1_000_000)),
                });
            }
            _ => blocks.push(paragraph(rng, pen, &mut words, links)),
        }
    }
    blocks
}
