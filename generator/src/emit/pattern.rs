//! The spec's patterns as `atlas_runtime::validation::Pattern` statics: a simple pattern
//! (most of Atlas's: `^([a-f0-9]{24})$`, `^[a-zA-Z0-9][a-zA-Z0-9-]*$`) as the byte sets it
//! stands for, matched without a regular expression; any other as its text, compiled by the
//! `regex` crate on first use. The one place that decides which: [`simple`].
//!
//! A pattern is simple when it is anchored at both ends (`^…$`), has no alternation, no
//! `.`, no negated class, no look-around or flag, and is a sequence of ASCII sets (a class,
//! a literal, `\d`, `\w`), each repeated a fixed or bounded number of times (`{n}`,
//! `{n,m}`, `{n,}`, `?`, `*`, `+`); a group is allowed and flattened when nothing repeats
//! it. Such a pattern matches a value when the pieces, in order, each take as many bytes as
//! they can and nothing is left. That greedy walk answers as the regular expression does only
//! if no piece whose count may vary shares a byte with what could follow it (the next
//! pieces up to the first that must take a byte): `^[a-z]*[a-z0-9]$` fails that test and
//! keeps its regex. Every set is ASCII, so a non-ASCII byte matches nothing and counting
//! bytes is counting characters. `\d` and `\w` are ECMA-262's ASCII classes, as the runtime
//! reads them (`validation::ecma_classes`).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// One step of a simple pattern: between `min` and `max` (unbounded when `None`) bytes of
/// `set` (bit `b`: the byte `b`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub set: u128,
    pub min: usize,
    pub max: Option<usize>,
}

/// The expression of a `validation::Pattern` for `pattern`: `Pattern::simple` with its
/// pieces when [`simple`] finds it simple, else `Pattern::new`.
pub fn pattern_expr(pattern: &str) -> TokenStream {
    match simple(pattern) {
        Some(pieces) => {
            let pieces = pieces.iter().map(piece_tokens);
            quote!(crate::validation::Pattern::simple(#pattern, &[#(#pieces),*]))
        }
        None => quote!(crate::validation::Pattern::new(#pattern)),
    }
}

/// `Piece::new(&[b'0'..=b'9', b'a'..=b'f'], 24, Some(24))`.
fn piece_tokens(piece: &Piece) -> TokenStream {
    let ranges = ranges(piece.set).into_iter().map(|(first, last)| {
        let (first, last) = (
            Literal::byte_character(first),
            Literal::byte_character(last),
        );
        quote!(#first..=#last)
    });
    let min = Literal::usize_unsuffixed(piece.min);
    let max = match piece.max {
        Some(max) => {
            let max = Literal::usize_unsuffixed(max);
            quote!(Some(#max))
        }
        None => quote!(None),
    };
    quote!(crate::validation::Piece::new(&[#(#ranges),*], #min, #max))
}

/// The runs of consecutive bytes in `set`, lowest first.
fn ranges(set: u128) -> Vec<(u8, u8)> {
    let mut runs = Vec::new();
    let mut byte = 0u8;
    while byte < 0x80 {
        if set & (1 << byte) == 0 {
            byte += 1;
            continue;
        }
        let first = byte;
        while byte < 0x80 && set & (1 << byte) != 0 {
            byte += 1;
        }
        runs.push((first, byte - 1));
    }
    runs
}

/// `pattern`'s pieces when it is simple (see the module's documentation), else `None`.
pub fn simple(pattern: &str) -> Option<Vec<Piece>> {
    let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
    // `\$` at the end is a literal dollar, not the anchor.
    if body.ends_with('\\') && trailing_backslashes(body) % 2 == 1 {
        return None;
    }
    let mut parser = Parser {
        bytes: body.as_bytes(),
        at: 0,
        depth: 0,
    };
    let pieces = parser.sequence()?;
    if parser.at != parser.bytes.len() {
        return None;
    }
    greedy_is_exact(&pieces).then_some(pieces)
}

fn trailing_backslashes(text: &str) -> usize {
    text.bytes().rev().take_while(|byte| *byte == b'\\').count()
}

/// Whether taking as much as possible with each piece decides the match: no piece whose
/// count may vary shares a byte with the pieces that could take the byte after it.
fn greedy_is_exact(pieces: &[Piece]) -> bool {
    pieces.iter().enumerate().all(|(index, piece)| {
        if piece.max == Some(piece.min) {
            return true;
        }
        for next in &pieces[index + 1..] {
            if next.set & piece.set != 0 {
                return false;
            }
            if next.min > 0 {
                break;
            }
        }
        true
    })
}

/// `\d`, ECMA-262's: ASCII digits.
const DIGITS: u128 = range(b'0', b'9');
/// `\w`, ECMA-262's: ASCII letters, digits and `_`.
const WORD: u128 = DIGITS | range(b'A', b'Z') | range(b'a', b'z') | 1 << b'_';

const fn range(first: u8, last: u8) -> u128 {
    let mut set = 0;
    let mut byte = first;
    while byte <= last {
        set |= 1 << byte;
        byte += 1;
    }
    set
}

/// Characters a `\` makes literal: the `regex` crate's meta characters. An escape of
/// anything else (`\n`, `\s`, `\b`, `\p{…}`) makes the pattern not simple.
fn is_meta(byte: u8) -> bool {
    b"\\.+*?()|[]{}^$#&-~".contains(&byte)
}

/// Counts above this are left to the regex (whose size limit they may meet).
const MAX_COUNT: usize = 1000;

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    /// Pieces up to the end or a `)` (left for the caller).
    fn sequence(&mut self) -> Option<Vec<Piece>> {
        let mut pieces = Vec::new();
        while let Some(byte) = self.peek() {
            match byte {
                b')' => break,
                b'(' => {
                    self.at += 1;
                    // A non-capturing group is allowed; `(?` anything else is a flag,
                    // look-around or a named group.
                    if self.peek() == Some(b'?') {
                        if self.bytes.get(self.at + 1) != Some(&b':') {
                            return None;
                        }
                        self.at += 2;
                    }
                    self.depth += 1;
                    if self.depth > 8 {
                        return None;
                    }
                    let inner = self.sequence()?;
                    if self.next() != Some(b')') {
                        return None;
                    }
                    self.depth -= 1;
                    // A group that repeats could be flattened only as often as it repeats:
                    // left to the regex.
                    if matches!(self.peek(), Some(b'*' | b'+' | b'?' | b'{')) {
                        return None;
                    }
                    pieces.extend(inner);
                }
                _ => {
                    let set = self.atom()?;
                    let (min, max) = self.quantifier()?;
                    pieces.push(Piece { set, min, max });
                }
            }
        }
        Some(pieces)
    }

    /// One set: a class, an escape or a literal.
    fn atom(&mut self) -> Option<u128> {
        match self.next()? {
            b'[' => self.class(),
            b'\\' => match self.next()? {
                b'd' => Some(DIGITS),
                b'w' => Some(WORD),
                byte if is_meta(byte) => Some(1 << byte),
                _ => None,
            },
            // `.` matches any character but a newline; the others are anchors or
            // operators, or start a repetition with nothing to repeat.
            b'.' | b'|' | b'^' | b'$' | b'*' | b'+' | b'?' | b'{' | b'}' | b']' => None,
            // `#`, `&`, `~` and space are literals here, but mean more in a class or with
            // flags: left to the regex rather than reasoned about.
            byte if byte.is_ascii_graphic() && !matches!(byte, b'#' | b'&' | b'~') => {
                Some(1 << byte)
            }
            _ => None,
        }
    }

    /// The inside of `[…]`, its `[` read.
    fn class(&mut self) -> Option<u128> {
        let mut set = 0u128;
        let start = self.at;
        loop {
            let byte = self.next()?;
            match byte {
                b']' if self.at - 1 > start => return Some(set),
                // A negated class matches non-ASCII characters; a nested class, a set
                // operation (`&&`, `~~`, `--`) or an empty class are the regex's to read.
                b'^' if self.at - 1 == start => return None,
                b'[' | b'&' | b'~' | b']' => return None,
                b'\\' => match self.next()? {
                    b'd' => set |= DIGITS,
                    b'w' => set |= WORD,
                    escaped if is_meta(escaped) => set |= 1 << escaped,
                    _ => return None,
                },
                b'-' => {
                    // Literal only first or last.
                    if self.at - 1 != start && self.peek() != Some(b']') {
                        return None;
                    }
                    set |= 1 << b'-';
                }
                first if first.is_ascii_graphic() => {
                    if self.peek() == Some(b'-') && self.bytes.get(self.at + 1) != Some(&b']') {
                        self.at += 1;
                        let last = self.next()?;
                        if !last.is_ascii_alphanumeric()
                            || !first.is_ascii_alphanumeric()
                            || last < first
                        {
                            return None;
                        }
                        // `a-z-0` would read `-` as an operator.
                        if self.peek() == Some(b'-') && self.bytes.get(self.at + 1) != Some(&b']') {
                            return None;
                        }
                        set |= range(first, last);
                    } else {
                        set |= 1 << first;
                    }
                }
                _ => return None,
            }
        }
    }

    /// The count after an atom: `(1, Some(1))` when there is none.
    fn quantifier(&mut self) -> Option<(usize, Option<usize>)> {
        let counts = match self.peek() {
            Some(b'*') => (0, None),
            Some(b'+') => (1, None),
            Some(b'?') => (0, Some(1)),
            Some(b'{') => {
                self.at += 1;
                let min = self.number()?;
                // Left on the closing `}`.
                match self.peek()? {
                    b'}' => (min, Some(min)),
                    b',' => {
                        self.at += 1;
                        if self.peek() == Some(b'}') {
                            (min, None)
                        } else {
                            let max = self.number()?;
                            if self.peek() != Some(b'}') || max < min {
                                return None;
                            }
                            (min, Some(max))
                        }
                    }
                    _ => return None,
                }
            }
            _ => return Some((1, Some(1))),
        };
        // Past the `*`, `+`, `?` or `}`.
        self.at += 1;
        // A lazy (`*?`) or repeated (`a**`) quantifier: left to the regex.
        if matches!(self.peek(), Some(b'*' | b'+' | b'?' | b'{')) {
            return None;
        }
        Some(counts)
    }

    fn number(&mut self) -> Option<usize> {
        let start = self.at;
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
        let digits = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
        digits.parse().ok().filter(|count| *count <= MAX_COUNT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the runtime does with the pieces (`validation::Piece::match_all`), for the
    /// comparison with the regex.
    fn matches(pieces: &[Piece], value: &str) -> bool {
        let mut rest = value.as_bytes();
        for piece in pieces {
            let most = rest.len().min(piece.max.unwrap_or(usize::MAX));
            let taken = rest[..most]
                .iter()
                .position(|byte| *byte >= 0x80 || piece.set & (1 << byte) == 0)
                .unwrap_or(most);
            if taken < piece.min {
                return false;
            }
            rest = &rest[taken..];
        }
        rest.is_empty()
    }

    /// The regex the runtime would compile for `pattern`. Every simple pattern is free of
    /// what `ecma_classes` changes besides `\d` and `\w`, which `(?-u:…)` makes ASCII as
    /// ECMA-262 does.
    fn regex(pattern: &str) -> regex::Regex {
        regex::Regex::new(&format!("(?-u:{pattern})")).expect("a valid pattern")
    }

    const SIMPLE: &[&str] = &[
        "^([a-f0-9]{24})$",
        "^[a-f0-9]{24}$",
        "^[a-zA-Z0-9][a-zA-Z0-9-]*$",
        "^[0-9a-fA-F]{24}$",
        r"^\d+$",
        r"^\d{1,3}$",
        r"^[\w-]{1,64}$",
        r"^mdb_sa_id_[a-fA-F\d]{24}$",
        "^([a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})$",
        "^(?:ab)c?d*$",
        "^a?b+c{2,}d{0,2}$",
        r"^\$\.\-x$",
        "^[-a]_[b-]$",
        "^$",
        "^[a-z]{2,5}[0-9]$",
        "^v[0-9]+_[0-9]+$",
    ];

    const NOT_SIMPLE: &[&str] = &[
        "[a-f0-9]{24}",
        "^[a-f0-9]{24}",
        "[a-f0-9]{24}$",
        "^a|b$",
        "^.+$",
        "^[^a]$",
        r"^\s$",
        r"^a\b$",
        r"^(ab)+$",
        "^a*?$",
        "^[a-z]*[a-z0-9]$",
        "^a*a$",
        "^a?a$",
        "^(?i)abc$",
        "^(?=a)a$",
        "^([a-zA-Z0-9]([a-zA-Z0-9-]){0,21}(?<!-)([\\w]{0,42}))$",
        "^[a-z&&b]$",
        "^é$",
        r"^a\$",
        "^a{1001}$",
        "^[z-a]$",
    ];

    #[test]
    fn recognises_simple_patterns_and_leaves_the_rest_to_the_regex() {
        for pattern in SIMPLE {
            assert!(simple(pattern).is_some(), "{pattern} is simple");
        }
        for pattern in NOT_SIMPLE {
            assert!(simple(pattern).is_none(), "{pattern} is not simple");
        }
        assert_eq!(
            simple("^([a-f0-9]{24})$"),
            Some(vec![Piece {
                set: range(b'0', b'9') | range(b'a', b'f'),
                min: 24,
                max: Some(24),
            }])
        );
    }

    #[test]
    fn emits_the_pieces_or_the_text() {
        assert_eq!(
            pattern_expr("^[a-zA-Z0-9][a-zA-Z0-9-]*$").to_string(),
            quote!(crate::validation::Pattern::simple(
                "^[a-zA-Z0-9][a-zA-Z0-9-]*$",
                &[
                    crate::validation::Piece::new(
                        &[b'0'..=b'9', b'A'..=b'Z', b'a'..=b'z'],
                        1,
                        Some(1)
                    ),
                    crate::validation::Piece::new(
                        &[b'-'..=b'-', b'0'..=b'9', b'A'..=b'Z', b'a'..=b'z'],
                        0,
                        None
                    )
                ]
            ))
            .to_string()
        );
        assert_eq!(
            pattern_expr("^.+$").to_string(),
            quote!(crate::validation::Pattern::new("^.+$")).to_string()
        );
    }

    /// A small xorshift generator: the same strings on every run.
    struct Strings(u64);

    impl Strings {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, bound: usize) -> usize {
            usize::try_from(self.next() % bound as u64).expect("small")
        }

        /// A string near `pattern`'s language: made of the characters its sets use and a
        /// few others (non-ASCII, newline, uppercase), or a mutation of `seed` (a value it
        /// accepts), of a length around the counts it has.
        fn string(&mut self, alphabet: &[char], seed: &str) -> String {
            let mut text: Vec<char> = if self.below(2) == 0 {
                seed.chars().collect()
            } else {
                let length = self.below(40);
                (0..length)
                    .map(|_| alphabet[self.below(alphabet.len())])
                    .collect()
            };
            for _ in 0..self.below(3) {
                let at = self.below(text.len() + 1);
                match self.below(3) {
                    0 if at < text.len() => {
                        text.remove(at);
                    }
                    1 if at < text.len() => text[at] = alphabet[self.below(alphabet.len())],
                    _ => text.insert(at, alphabet[self.below(alphabet.len())]),
                }
            }
            text.into_iter().collect()
        }
    }

    /// One value each simple pattern accepts, to mutate.
    fn seed(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .flat_map(|piece| {
                let (first, _) = ranges(piece.set)[0];
                std::iter::repeat_n(
                    char::from(first),
                    piece.min.max(1).min(piece.max.unwrap_or(usize::MAX)),
                )
            })
            .collect()
    }

    #[test]
    fn simple_patterns_accept_exactly_what_the_regex_accepts() {
        let mut strings = Strings(0x5eed_1234_abcd_ef01);
        for pattern in SIMPLE {
            let pieces = simple(pattern).expect("simple");
            let regex = regex(pattern);
            let mut alphabet: Vec<char> = pieces
                .iter()
                .flat_map(|piece| ranges(piece.set))
                .flat_map(|(first, last)| (first..=last).map(char::from))
                .collect();
            alphabet.extend(['A', 'z', '0', '-', '_', '\n', ' ', 'é', '١', '\u{0}']);
            let seed = seed(&pieces);
            assert!(regex.is_match(&seed), "{pattern} accepts {seed:?}");
            let mut accepted = 0;
            for _ in 0..20_000 {
                let value = strings.string(&alphabet, &seed);
                let expected = regex.is_match(&value);
                accepted += usize::from(expected);
                assert_eq!(matches(&pieces, &value), expected, "{pattern} on {value:?}");
            }
            assert!(accepted > 0, "{pattern}: some strings match");
        }
    }
}
