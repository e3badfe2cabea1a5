//! Spec prose -> rustdoc attributes.
//!
//! Descriptions are Markdown written for a web page. Two things in them would misbehave in
//! rustdoc: indented lines become code blocks that `cargo test` compiles as doctests, and
//! fenced blocks without a language are Rust doctests too. Both are neutralised here; the
//! text is otherwise kept as written.

use proc_macro2::TokenStream;
use quote::quote;

/// Rustdoc-safe lines for `text`.
pub fn lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_fence = false;
    // Width of the marker of the list item the previous line belongs to: a line continuing
    // it is indented to the item's text, as rustdoc (and clippy) expect.
    let mut list_indent: Option<usize> = None;
    for raw in text.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            out.push(if in_fence {
                "```".to_owned()
            } else {
                "```text".to_owned()
            });
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_owned());
            continue;
        }
        let wrapped = escape_stray_markup(&wrap_bare_urls(trimmed));
        if trimmed.is_empty() {
            list_indent = None;
            out.push(wrapped);
        } else if let Some(width) = list_marker_width(trimmed) {
            list_indent = Some(width);
            out.push(wrapped);
        } else if let Some(width) = list_indent {
            out.push(format!("{}{wrapped}", " ".repeat(width)));
        } else {
            out.push(wrapped);
        }
    }
    if in_fence {
        out.push("```".to_owned());
    }
    while out.last().is_some_and(|line| line.is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|line| line.is_empty()) {
        out.remove(0);
    }
    out
}

/// The width of a Markdown list marker starting `line` (`- `, `* `, `+ `, `12. `), if any.
fn list_marker_width(line: &str) -> Option<usize> {
    if ["- ", "* ", "+ "]
        .iter()
        .any(|marker| line.starts_with(marker))
    {
        return Some(2);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    (digits > 0 && line[digits..].starts_with(". ")).then_some(digits + 2)
}

/// HTML elements spec prose uses as HTML; any other `<word>` is text.
const HTML_TAGS: &[&str] = &[
    "a", "b", "br", "code", "div", "em", "i", "li", "ol", "p", "pre", "span", "strong", "sub",
    "sup", "table", "td", "th", "tr", "ul",
];

/// Brackets that are not a Markdown link (`matcher[n].value`) would be read as intra-doc links,
/// and `<value>` as an HTML tag: both are escaped, outside code spans. Links (`[a](b)`),
/// intra-doc links to items (`` [`Error`] ``), autolinks (`<https://x>`) and the few HTML
/// tags the spec uses as HTML are kept.
fn escape_stray_markup(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        match c {
            '`' => in_code = !in_code,
            '[' if !in_code => {
                let close = chars[at..]
                    .iter()
                    .position(|&c| c == ']')
                    .map(|end| at + end);
                // `[text](url)`, or an intra-doc link to an item: [`Error::Api`].
                let is_link = close.is_some_and(|end| {
                    chars.get(end + 1) == Some(&'(')
                        || (end > at + 2 && chars[at + 1] == '`' && chars[end - 1] == '`')
                });
                if !is_link {
                    out.push('\\');
                    out.push('[');
                    if let Some(end) = close {
                        out.extend(&chars[at + 1..end]);
                        out.push_str("\\]");
                        at = end + 1;
                        continue;
                    }
                    at += 1;
                    continue;
                }
            }
            '<' if !in_code => {
                let rest: String = chars[at + 1..].iter().collect();
                let name: String = rest
                    .trim_start_matches('/')
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                let autolink = rest.starts_with("http://") || rest.starts_with("https://");
                // The spec writes some HTML (`<a href=...>`, `<br>`): that is kept.
                let html = HTML_TAGS.contains(&name.to_ascii_lowercase().as_str());
                if !autolink && !html && !name.is_empty() {
                    out.push('\\');
                }
            }
            _ => {}
        }
        out.push(c);
        at += 1;
    }
    out
}

/// `https://x` -> `<https://x>` where the URL is not already a Markdown link target.
fn wrap_bare_urls(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("http") {
        let candidate = &rest[start..];
        let is_url = candidate.starts_with("https://") || candidate.starts_with("http://");
        let before = rest[..start].chars().next_back();
        if !is_url || matches!(before, Some('(' | '<' | '[' | '`' | '"' | '\'')) {
            let skip = start + 4;
            out.push_str(&rest[..skip]);
            rest = &rest[skip..];
            continue;
        }
        let end = candidate
            .find(|c: char| c.is_whitespace())
            .unwrap_or(candidate.len());
        let url = candidate[..end].trim_end_matches(['.', ',', ';', ':', ')']);
        out.push_str(&rest[..start]);
        out.push('<');
        out.push_str(url);
        out.push('>');
        rest = &candidate[url.len()..];
    }
    out.push_str(rest);
    out
}

/// `#[doc = "…"]` attributes, one per line, for the paragraphs given (`None`s skipped, a
/// blank line between paragraphs).
pub fn attrs<'a>(paragraphs: impl IntoIterator<Item = Option<&'a str>>) -> TokenStream {
    let mut all: Vec<String> = Vec::new();
    for paragraph in paragraphs.into_iter().flatten() {
        let paragraph_lines = lines(paragraph);
        if paragraph_lines.is_empty() {
            continue;
        }
        if !all.is_empty() {
            all.push(String::new());
        }
        all.extend(paragraph_lines);
    }
    let docs = all.iter().map(|line| raw_literal(&format!(" {line}")));
    quote! { #(#[doc = #docs])* }
}

/// The first sentence of `text`'s first paragraph, on one line: what a one-line doc (a
/// setter's) says of a field. A period ends it when a space or the end follows, outside code
/// spans, brackets, parentheses and HTML elements (so nothing is cut open), and not in
/// `e.g.` or `i.e.`. `None` when the text does not start with prose (a list, a code block).
pub fn summary(text: &str) -> Option<String> {
    let mut paragraph = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            if paragraph.is_empty() {
                continue;
            }
            break;
        }
        let starts_block = line.starts_with("```") || list_marker_width(line).is_some();
        if starts_block || line.starts_with('#') || line.starts_with('|') {
            break;
        }
        paragraph.push(line);
    }
    let text = paragraph.join(" ");
    let chars: Vec<char> = text.chars().collect();
    let (mut in_code, mut depth, mut in_tag, mut open_elements) = (false, 0usize, false, 0usize);
    for (at, &c) in chars.iter().enumerate() {
        match c {
            '`' => in_code = !in_code,
            _ if in_code => {}
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            '<' => {
                in_tag = true;
                let name: String = chars[at + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '/')
                    .collect();
                let element = name.trim_start_matches('/');
                if HTML_TAGS.contains(&element) && element != "br" {
                    if name.starts_with('/') {
                        open_elements = open_elements.saturating_sub(1);
                    } else {
                        open_elements += 1;
                    }
                }
            }
            '>' => in_tag = false,
            '.' if depth == 0 && !in_tag && open_elements == 0 => {
                let ends = chars.get(at + 1).is_none_or(|next| next.is_whitespace());
                let before: String = chars[..at].iter().collect();
                let abbreviation = before.ends_with("e.g") || before.ends_with("i.e");
                if ends && !abbreviation {
                    return Some(chars[..=at].iter().collect());
                }
            }
            _ => {}
        }
    }
    (!text.is_empty()).then_some(text)
}

/// `text` as a raw string literal (`r"…"`, with as many `#` as it needs). prettyplease prints
/// a doc attribute as a `///` comment either way, but syn reads a raw literal's value without
/// unescaping it, and it reads each doc literal several times. A text a raw literal cannot
/// hold (a carriage return) stays an ordinary string literal.
fn raw_literal(text: &str) -> proc_macro2::Literal {
    let mut hashes = String::new();
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| proc_macro2::Literal::string(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_is_the_first_sentence_cut_nowhere_open() {
        let summary = |text| super::summary(text);
        assert_eq!(
            summary("Unique 24-hexadecimal digit string. Read-only.").as_deref(),
            Some("Unique 24-hexadecimal digit string.")
        );
        assert_eq!(
            summary("Key (e.g. `a.b`. `c`) applied\nto the [label. x](https://y.z). More.")
                .as_deref(),
            Some("Key (e.g. `a.b`. `c`) applied to the [label. x](https://y.z).")
        );
        assert_eq!(
            summary("See <a href=\"https://x.y/a.b\">the docs. Here</a>. Then").as_deref(),
            Some("See <a href=\"https://x.y/a.b\">the docs. Here</a>.")
        );
        assert_eq!(
            summary("No period\n\nSecond paragraph.").as_deref(),
            Some("No period")
        );
        assert_eq!(summary("- a list"), None);
        assert_eq!(summary("```\ncode\n```"), None);
        assert_eq!(summary(""), None);
    }

    #[test]
    fn indents_lines_that_continue_a_list_item() {
        let text = "Intro\n- one\ncontinued\n\nAfter\n10. ten\nmore";
        assert_eq!(
            lines(text),
            vec![
                "Intro",
                "- one",
                "  continued",
                "",
                "After",
                "10. ten",
                "    more"
            ]
        );
    }

    #[test]
    fn escapes_brackets_and_tags_that_are_not_links() {
        assert_eq!(
            lines("against **matcher[n].value** and [a link](https://x.y), `a[0]` <value> <https://d.e> <a href=\"https://f.g\">h</a> [`Error`]"),
            vec![r#"against **matcher\[n\].value** and [a link](https://x.y), `a[0]` \<value> <https://d.e> <a href="https://f.g">h</a> [`Error`]"#]
        );
    }

    #[test]
    fn neutralises_code_blocks_and_wraps_urls() {
        let text = "Intro https://example.com/x.\n\n    indented\n```\ncode\n```\nSee [a](https://b.c) and <https://d.e>";
        assert_eq!(
            lines(text),
            vec![
                "Intro <https://example.com/x>.",
                "",
                "indented",
                "```text",
                "code",
                "```",
                "See [a](https://b.c) and <https://d.e>",
            ]
        );
    }
}
