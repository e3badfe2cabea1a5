//! Maps JSON pointers to the line and column where the node starts in the YAML text.
//!
//! serde_yaml does not expose spans, so a second, event-level pass with `saphyr-parser` walks
//! the same text and records where every mapping entry and sequence item begins. Diagnostics
//! found later (in lowering, long after parsing) use this map to say *where* in the file the
//! problem is.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser, Span, SpannedEventReceiver};

use crate::diagnostics::{child, Diagnostic};

/// Where each node of one spec file starts. The text is indexed on the first
/// [`SourceMap::locate`], so a spec without problems never pays for it.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    file: String,
    text: String,
    /// pointer -> (1-based line, 1-based column)
    positions: OnceCell<BTreeMap<String, (usize, usize)>>,
}

impl SourceMap {
    /// A map of `text`, the contents of `file`.
    pub fn index(file: &str, text: &str) -> Self {
        SourceMap {
            file: file.to_owned(),
            text: text.to_owned(),
            positions: OnceCell::new(),
        }
    }

    /// A text that does not parse gives an empty index (serde_yaml reports the syntax error
    /// itself, with its own location).
    fn positions(&self) -> &BTreeMap<String, (usize, usize)> {
        self.positions.get_or_init(|| {
            let mut recorder = Recorder::default();
            let mut parser = Parser::new_from_str(&self.text);
            if parser.load(&mut recorder, false).is_err() {
                recorder.positions.clear();
            }
            recorder.positions
        })
    }

    /// The file name diagnostics carry.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Fills in the file, line and column of `diagnostic` from its pointer. A pointer to a
    /// node that does not exist (a missing key, say) is located at its nearest existing parent.
    pub fn locate(&self, mut diagnostic: Diagnostic) -> Diagnostic {
        diagnostic.file = self.file.clone();
        let mut pointer = diagnostic.pointer.as_str();
        loop {
            if let Some(&(line, column)) = self.positions().get(pointer) {
                diagnostic.line = Some(line);
                diagnostic.column = Some(column);
                break;
            }
            match pointer.rfind('/') {
                Some(cut) => pointer = &pointer[..cut],
                None => break,
            }
        }
        diagnostic
    }
}

enum Frame {
    Mapping {
        pointer: String,
        key: Option<String>,
    },
    Sequence {
        pointer: String,
        next_index: usize,
    },
}

#[derive(Default)]
struct Recorder {
    stack: Vec<Frame>,
    positions: BTreeMap<String, (usize, usize)>,
}

impl Recorder {
    /// Pointer of the node that starts now, or `None` when the event is a mapping key.
    fn begin_node(&mut self, span: Span, key_text: Option<&str>) -> Option<String> {
        let position = (span.start.line(), span.start.col() + 1);
        let pointer = match self.stack.last_mut() {
            None => String::new(),
            Some(Frame::Sequence {
                pointer,
                next_index,
            }) => {
                let item = child(pointer, next_index.to_string());
                *next_index += 1;
                item
            }
            Some(Frame::Mapping { pointer, key }) => match key.take() {
                Some(key) => child(pointer, key),
                None => {
                    // This node is a key: remember it and point its entry at the key's line.
                    let key = key_text.unwrap_or("?").to_owned();
                    let entry = child(pointer, &key);
                    self.positions.entry(entry).or_insert(position);
                    if let Some(Frame::Mapping { key: slot, .. }) = self.stack.last_mut() {
                        *slot = Some(key);
                    }
                    return None;
                }
            },
        };
        self.positions.entry(pointer.clone()).or_insert(position);
        Some(pointer)
    }
}

impl<'input> SpannedEventReceiver<'input> for Recorder {
    fn on_event(&mut self, event: Event<'input>, span: Span) {
        match event {
            Event::Scalar(value, ..) => {
                self.begin_node(span, Some(&value));
            }
            Event::Alias(_) => {
                self.begin_node(span, None);
            }
            Event::MappingStart(..) => {
                let pointer = self.begin_node(span, None).unwrap_or_default();
                self.stack.push(Frame::Mapping { pointer, key: None });
            }
            Event::SequenceStart(..) => {
                let pointer = self.begin_node(span, None).unwrap_or_default();
                self.stack.push(Frame::Sequence {
                    pointer,
                    next_index: 0,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_keys_and_items() {
        let text = "a:\n  b:\n    - x\n    - c: 1\nd: 2\n";
        let map = SourceMap::index("f.yaml", text);
        let at = |p: &str| {
            let d = map.locate(Diagnostic::at(p, "m"));
            (d.line, d.column)
        };
        assert_eq!(at("/a/b"), (Some(2), Some(3)));
        assert_eq!(at("/a/b/1/c"), (Some(4), Some(7)));
        assert_eq!(at("/d"), (Some(5), Some(1)));
        // Missing nodes fall back to the nearest parent.
        assert_eq!(at("/a/b/1/missing"), (Some(4), Some(7)));
    }
}
