//! Highlighted passages: the stretch of an article's text that holds most of
//! the words searched for, escaped for HTML with the matches in `<mark>`.

/// Characters of a highlighted passage.
pub(crate) const PASSAGE_CHARS: usize = 160;

/// Bytes of context shown before a passage's first match, at most.
pub(crate) const LEAD: usize = 40;

/// A text in lower case, as the index's words are, and where each of its
/// bytes comes from in the text (`None` when that is the same place, as for
/// ASCII text).
pub(crate) struct Lowered<'a> {
    text: std::borrow::Cow<'a, str>,
    from: Option<Vec<usize>>,
}

impl<'a> Lowered<'a> {
    fn new(text: &'a str) -> Self {
        if text.is_ascii() {
            return Self { text: text.to_ascii_lowercase().into(), from: None };
        }
        let (mut lower, mut from) = (String::with_capacity(text.len()), Vec::with_capacity(text.len() + 1));
        for (at, c) in text.char_indices() {
            for l in c.to_lowercase() {
                lower.push(l);
                from.resize(lower.len(), at);
            }
        }
        from.push(text.len());
        Self { text: lower.into(), from: Some(from) }
    }

    /// The place in the original text of a place in the lowered one.
    fn source(&self, at: usize) -> usize {
        self.from.as_ref().map_or(at, |from| from[at])
    }

    /// Whether `at..end` is a whole word: no letter or digit right before or after.
    fn is_word(&self, at: usize, end: usize) -> bool {
        let alphanumeric = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        !alphanumeric(self.text[..at].chars().next_back()) && !alphanumeric(self.text[end..].chars().next())
    }
}

/// The best passage of `text` for `words` (indexed words, lower case, with their
/// weights), with each match in `<mark>…</mark>` and the rest HTML-escaped;
/// `None` when none of the words is in the text. A word matches a whole word
/// of the text whatever its case, as the index tokenizes. The best passage is
/// the one of at most [`PASSAGE_CHARS`] bytes whose matches weigh the most (the
/// first of equals), with a little context before its first match.
///
/// Finding the words in the lowered text, rather than tokenizing it word by
/// word, keeps highlighting a whole body cheap.
pub(crate) fn passage(text: &str, words: &[(String, f32)]) -> Option<String> {
    let lower = Lowered::new(text);
    let mut matches: Vec<(usize, usize, f32)> = Vec::new();
    for (word, weight) in words {
        for (at, _) in lower.text.match_indices(word.as_str()) {
            let end = at + word.len();
            if lower.is_word(at, end) {
                matches.push((lower.source(at), lower.source(end), *weight));
            }
        }
    }
    // Whole words, each matched by one word at most: no two overlap.
    matches.sort_by_key(|m| m.0);
    let window = PASSAGE_CHARS - LEAD;
    let (mut best, mut best_weight, mut best_end) = (0, f32::MIN, 0);
    for (i, (start, _, _)) in matches.iter().enumerate() {
        let within = matches[i..].iter().take_while(|(_, end, _)| end - start <= window);
        let (weight, end) = within.fold((0.0, 0), |(w, _), (_, end, weight)| (w + weight, *end));
        if weight > best_weight {
            (best, best_weight, best_end) = (i, weight, end);
        }
    }
    let first = matches.get(best)?.0;
    // Start at a word a little before the first match, end at a word.
    let mut begin = first.saturating_sub(LEAD);
    while !text.is_char_boundary(begin) {
        begin += 1;
    }
    if begin > 0 {
        begin = text[begin..first].find(char::is_whitespace).map_or(first, |at| begin + at + 1);
    }
    let mut end = (begin + PASSAGE_CHARS).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        end = text[best_end..end].rfind(char::is_whitespace).map_or(best_end, |at| best_end + at);
    }
    let mut html = String::with_capacity(end - begin + 32);
    let mut at = begin;
    for (start, stop, _) in matches.iter().skip_while(|m| m.0 < begin).take_while(|m| m.1 <= end) {
        escape_into(&mut html, &text[at..*start]);
        html.push_str("<mark>");
        escape_into(&mut html, &text[*start..*stop]);
        html.push_str("</mark>");
        at = *stop;
    }
    escape_into(&mut html, &text[at..end]);
    Some(html.trim().to_owned())
}

/// `text` with HTML's special characters escaped, appended to `html`.
pub(crate) fn escape_into(html: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#x27;"),
            c => html.push(c),
        }
    }
}
