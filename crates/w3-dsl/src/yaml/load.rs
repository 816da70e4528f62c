//! Builds a [`Node`] tree from `saphyr-parser` events.

use super::{Entry, Node, NodeKind, Style};
use crate::diag::Diagnostic;
use crate::span::{Pos, Span};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};

const RULE: &str = "syntax-check";

/// Bytes of scalar text that count as one node against the alias budget, so that aliases of a
/// long string cannot copy text without bound (a node itself takes about this much memory).
const TEXT_PER_NODE: usize = 64;

/// Limits applied while loading.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Deepest allowed nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes the document may have after aliases are expanded, a scalar counting one more
    /// per 64 bytes of text; `None` picks a budget proportional to the input size.
    pub max_nodes: Option<usize>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self { max_depth: 128, max_nodes: None }
    }
}

/// The outcome of loading: the first document's root (if any) and what went wrong.
#[derive(Debug, Default)]
pub struct Loaded {
    pub root: Option<Node>,
    pub diagnostics: Vec<Diagnostic>,
    /// Whether loading stopped at a fatal error (a syntax error or a limit), in which case
    /// `root` is `None`.
    pub fatal: bool,
}

/// Loads the first YAML document of `src`.
pub fn load(src: &str, opts: &LoadOptions) -> Loaded {
    let budget = opts.max_nodes.unwrap_or_else(|| 100_000usize.max(src.len().saturating_mul(4)));
    let mut b = Builder::new(src, opts.max_depth, budget);
    let mut root = None;
    for event in Parser::new_from_str(src) {
        match event {
            Err(e) => {
                let m = e.marker();
                b.fatal(
                    Pos::new(m.line() as u32, m.col() as u32 + 1),
                    format!("could not parse as YAML: {}", e.info()),
                );
                break;
            }
            Ok((ev, span)) => match b.on_event(ev, span.start, span.end) {
                Ok(Some(node)) => root = Some(node),
                Ok(None) => {}
                Err(Stop::Done) => break,
                Err(Stop::Fatal) => break,
            },
        }
    }
    b.report_unused_anchors();
    let fatal = b.fatal;
    let mut diagnostics = b.diagnostics;
    diagnostics.sort();
    Loaded { root: if fatal { None } else { root }, diagnostics, fatal }
}

enum Stop {
    Done,
    Fatal,
}

enum Frame {
    Seq { start: Marker, anchor: usize, tag: Option<String>, items: Vec<Node>, size: usize },
    Map { start: Marker, anchor: usize, tag: Option<String>, entries: Vec<Entry>, key: Option<Node>, size: usize },
}

struct Anchor {
    name: String,
    pos: Pos,
    node: Option<(Node, usize)>,
    used: bool,
}

struct Builder<'s> {
    src: &'s str,
    line_starts: Vec<usize>,
    max_depth: usize,
    budget: usize,
    nodes: usize,
    stack: Vec<Frame>,
    anchors: Vec<Option<Anchor>>,
    diagnostics: Vec<Diagnostic>,
    fatal: bool,
    documents: usize,
}

impl<'s> Builder<'s> {
    fn new(src: &'s str, max_depth: usize, budget: usize) -> Self {
        // Line breaks as YAML (and so the parser's markers) count them: LF, CRLF and a lone CR.
        let mut line_starts = vec![0];
        let bytes = src.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                line_starts.push(i + 1);
            }
        }
        Self {
            src,
            line_starts,
            max_depth,
            budget,
            nodes: 0,
            stack: Vec::new(),
            anchors: Vec::new(),
            diagnostics: Vec::new(),
            fatal: false,
            documents: 0,
        }
    }

    fn fatal(&mut self, pos: Pos, message: String) {
        self.diagnostics.push(Diagnostic::at(RULE, pos, message));
        self.fatal = true;
    }

    /// Handles one event; returns the root node when the first document completes.
    fn on_event(&mut self, ev: Event<'_>, start: Marker, end: Marker) -> Result<Option<Node>, Stop> {
        match ev {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    self.diagnostics.push(Diagnostic::at(
                        RULE,
                        pos(start),
                        "a workflow file must hold exactly one YAML document, but a second one starts here",
                    ));
                    return Err(Stop::Done);
                }
                Ok(None)
            }
            Event::SequenceStart(anchor, tag) => {
                self.check_depth(start)?;
                self.register_anchor(anchor, start);
                self.stack.push(Frame::Seq {
                    start,
                    anchor,
                    tag: tag_name(tag.as_deref()),
                    items: Vec::new(),
                    size: 1,
                });
                Ok(None)
            }
            Event::MappingStart(anchor, tag) => {
                self.check_depth(start)?;
                self.register_anchor(anchor, start);
                let tag = tag_name(tag.as_deref());
                self.stack.push(Frame::Map { start, anchor, tag, entries: Vec::new(), key: None, size: 1 });
                Ok(None)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else { return Ok(None) };
                let (node, anchor, size) = match frame {
                    Frame::Seq { start, anchor, tag, items, size } => {
                        (self.node(NodeKind::Seq(items), start, end, tag), anchor, size)
                    }
                    Frame::Map { start, anchor, tag, entries, size, .. } => {
                        (self.node(NodeKind::Map(entries), start, end, tag), anchor, size)
                    }
                };
                self.check_tag(&node, &["!!seq", "!!map"]);
                self.complete_anchor(anchor, &node, size);
                // The children were counted as they were pushed; the collection itself is one.
                self.push(node, size, 1)
            }
            Event::Scalar(value, style, anchor, tag) => {
                self.register_anchor(anchor, start);
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let mut node = self.node(
                    NodeKind::Scalar { value: value.into_owned(), style },
                    start,
                    end,
                    tag_name(tag.as_deref()),
                );
                if matches!(style, Style::Literal | Style::Folded) {
                    node.header = self.block_header(node.span.start).unwrap_or(node.span.start);
                }
                self.check_tag(&node, &["!!str", "!!int", "!!float", "!!bool", "!!null"]);
                let size = weight(&node);
                self.complete_anchor(anchor, &node, size);
                self.push(node, size, size)
            }
            Event::Alias(id) => {
                let node = self.resolve_alias(id, start, end)?;
                let size = count(&node);
                self.push(node, size, size)
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => Ok(None),
        }
    }

    /// Reports explicit tags GitHub does not accept: anything but the core schema's, and a
    /// non-string core tag on a quoted or block scalar.
    fn check_tag(&mut self, node: &Node, allowed: &[&str]) {
        let Some(tag) = &node.tag else { return };
        if !allowed.contains(&tag.as_str()) {
            self.diagnostics.push(Diagnostic::at(RULE, node.pos(), format!("unsupported YAML tag \"{tag}\"; only the core schema's tags (!!str, !!int, !!float, !!bool, !!null, !!seq, !!map) may be used")));
        } else if tag != "!!str" && node.style().is_some_and(|s| s != Style::Plain) {
            self.diagnostics.push(Diagnostic::at(
                RULE,
                node.pos(),
                format!(
                    "a {:?} scalar cannot have the tag \"{tag}\"; write the value unquoted",
                    node.style().unwrap_or(Style::Plain)
                ),
            ));
        }
    }

    fn check_depth(&mut self, at: Marker) -> Result<(), Stop> {
        if self.stack.len() >= self.max_depth {
            self.fatal(pos(at), format!("nesting is deeper than the limit of {} levels", self.max_depth));
            return Err(Stop::Fatal);
        }
        Ok(())
    }

    fn node(&self, kind: NodeKind, start: Marker, end: Marker, tag: Option<String>) -> Node {
        let start = pos(start);
        Node { kind, span: Span::new(start, pos(end)), header: start, tag, aliased: false }
    }

    /// Adds a finished node of `size` (its subtree's weight) to the enclosing collection, and
    /// `new` to the document's count; returns the node if it is the root.
    fn push(&mut self, node: Node, size: usize, new: usize) -> Result<Option<Node>, Stop> {
        self.nodes = self.nodes.saturating_add(new);
        if self.nodes > self.budget {
            self.fatal(
                node.pos(),
                format!(
                    "the document expands to more than {} nodes through aliases; refusing to load it (alias bomb?)",
                    self.budget
                ),
            );
            return Err(Stop::Fatal);
        }
        match self.stack.last_mut() {
            None => Ok(Some(node)),
            Some(Frame::Seq { items, size: total, .. }) => {
                *total += size;
                items.push(node);
                Ok(None)
            }
            Some(Frame::Map { entries, key, size: total, .. }) => {
                *total += size;
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => {
                        if k.as_scalar() == Some("<<") && k.style() == Some(Style::Plain) {
                            self.diagnostics.push(Diagnostic::at(
                                RULE,
                                k.pos(),
                                "GitHub Actions does not support YAML merge key \"<<\"",
                            ));
                        } else {
                            entries.push(Entry { key: k, value: node });
                        }
                    }
                }
                Ok(None)
            }
        }
    }

    fn register_anchor(&mut self, id: usize, at: Marker) {
        if id == 0 {
            return;
        }
        let name = self.anchor_name(at);
        if self.anchors.len() <= id {
            self.anchors.resize_with(id + 1, || None);
        }
        self.anchors[id] = Some(Anchor { name, pos: pos(at), node: None, used: false });
    }

    fn complete_anchor(&mut self, id: usize, node: &Node, size: usize) {
        if let Some(Some(a)) = self.anchors.get_mut(id) {
            a.node = Some((node.clone(), size));
        }
    }

    fn resolve_alias(&mut self, id: usize, start: Marker, end: Marker) -> Result<Node, Stop> {
        let at = pos(start);
        let Some(Some(anchor)) = self.anchors.get_mut(id) else {
            self.fatal(at, "could not parse as YAML: unknown anchor referenced".into());
            return Err(Stop::Fatal);
        };
        anchor.used = true;
        match &anchor.node {
            Some((node, _)) => {
                let mut node = node.clone();
                node.aliased = true;
                Ok(node)
            }
            None => {
                let message = format!(
                    "recursive alias \"{}\" is found. anchor was declared at line:{}, column:{}",
                    anchor.name, anchor.pos.line, anchor.pos.col
                );
                let name = anchor.name.clone();
                self.diagnostics.push(Diagnostic::at(RULE, at, message));
                let span = Span::new(at, pos(end));
                Ok(Node { kind: NodeKind::RecursiveAlias { anchor: name }, span, header: at, tag: None, aliased: true })
            }
        }
    }

    fn report_unused_anchors(&mut self) {
        for a in self.anchors.iter().flatten() {
            if !a.used && !self.fatal {
                self.diagnostics.push(Diagnostic::at(
                    RULE,
                    a.pos,
                    format!("anchor \"{}\" is defined but not used", a.name),
                ));
            }
        }
    }

    /// Returns the byte offset of a 1-based line and 0-based character column.
    fn offset(&self, line: usize, col: usize) -> Option<usize> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let rest = self.src.get(start..)?;
        Some(start + rest.char_indices().nth(col).map_or(rest.len(), |(i, _)| i))
    }

    /// Reads the anchor name written at (or just after) `at`, e.g. `&name`.
    fn anchor_name(&self, at: Marker) -> String {
        let Some(off) = self.offset(at.line(), at.col()) else { return String::new() };
        let rest = &self.src[off..];
        let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let Some(amp) = rest[..line_end].find('&') else { return String::new() };
        rest[amp + 1..line_end]
            .split(|c: char| c.is_whitespace() || ",[]{}".contains(c))
            .next()
            .unwrap_or_default()
            .to_string()
    }

    /// Finds the `|` or `>` indicator of the block scalar whose content starts at `content`.
    fn block_header(&self, content: Pos) -> Option<Pos> {
        let mut line = content.line as usize;
        while line > 1 {
            line -= 1;
            let start = *self.line_starts.get(line - 1)?;
            let end = self.line_starts.get(line).map_or(self.src.len(), |e| e - 1);
            let text = self.src.get(start..end)?;
            let code = text.find(" #").map_or(text, |i| &text[..i]).trim_end();
            if code.trim().is_empty() {
                continue;
            }
            let trimmed = code.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
            let last = trimmed.chars().last()?;
            if last != '|' && last != '>' {
                return None;
            }
            let col = trimmed.chars().count() as u32;
            return Some(Pos::new(line as u32, col));
        }
        None
    }
}

fn pos(m: Marker) -> Pos {
    Pos::new(m.line() as u32, m.col() as u32 + 1)
}

/// Returns a tag in its short form: `!!int` for the core schema's `tag:yaml.org,2002:int`,
/// however it was written (`!!int` or verbatim `!<tag:yaml.org,2002:int>`).
fn tag_name(tag: Option<&Tag>) -> Option<String> {
    tag.map(|t| {
        let full = format!("{}{}", t.handle, t.suffix);
        match full.strip_prefix("tag:yaml.org,2002:") {
            Some(short) => format!("!!{short}"),
            None => full,
        }
    })
}

/// Returns what one node (without its children) counts against the alias budget.
fn weight(node: &Node) -> usize {
    match &node.kind {
        NodeKind::Scalar { value, .. } => 1 + value.len() / TEXT_PER_NODE,
        _ => 1,
    }
}

/// Returns what a node and all its descendants count against the alias budget.
fn count(node: &Node) -> usize {
    let mut n = 0;
    let mut todo = vec![node];
    while let Some(x) = todo.pop() {
        n += weight(x);
        match &x.kind {
            NodeKind::Seq(items) => todo.extend(items),
            NodeKind::Map(entries) => todo.extend(entries.iter().flat_map(|e| [&e.key, &e.value])),
            _ => {}
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ld(src: &str) -> Loaded {
        load(src, &LoadOptions::default())
    }

    #[test]
    fn spans_and_block_header() {
        let l = ld("on: push\njobs:\n  a:\n    run: |\n      echo hi\n");
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let root = l.root.unwrap();
        let jobs = &root.as_map().unwrap()[1];
        assert_eq!(jobs.key.pos(), Pos::new(2, 1));
        let run = &jobs.value.as_map().unwrap()[0].value.as_map().unwrap()[0].value;
        assert_eq!(run.pos(), Pos::new(4, 10));
        assert_eq!(run.span.start, Pos::new(5, 7));
        assert_eq!(run.pos_in_value(5), Pos::new(5, 12));
    }

    #[test]
    fn anchors_aliases_and_unused() {
        let l = ld("a: &x [1, 2]\nb: *x\nc: &unused 3\n");
        assert_eq!(l.diagnostics.len(), 1);
        assert_eq!(l.diagnostics[0].message, "anchor \"unused\" is defined but not used");
        assert_eq!(l.diagnostics[0].span.start, Pos::new(3, 4));
        let root = l.root.unwrap();
        let b = &root.as_map().unwrap()[1].value;
        assert!(b.aliased);
        assert_eq!(b.as_seq().unwrap().len(), 2);
    }

    #[test]
    fn deep_nesting_without_aliases_is_counted_once() {
        // 100,000 items 100 levels deep: each node counts once, not once per enclosing level.
        let mut src = String::from("a: ");
        src.push_str(&"[".repeat(100));
        src.push_str(&vec!["1"; 100_000].join(","));
        src.push_str(&"]".repeat(100));
        let l = load(&src, &LoadOptions { max_depth: 128, max_nodes: Some(150_000) });
        assert!(!l.fatal, "{:?}", l.diagnostics);
    }

    #[test]
    fn recursive_alias_is_reported() {
        let l = ld("a: &r\n  b: *r\n");
        assert!(l.diagnostics.iter().any(|d| d.message.starts_with("recursive alias \"r\"")));
    }

    #[test]
    fn alias_bomb_is_rejected_quickly() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..30 {
            let p = i - 1;
            src.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        let l = ld(&src);
        assert!(l.fatal);
        assert!(l.diagnostics.iter().any(|d| d.message.contains("alias bomb")));
    }

    #[test]
    fn aliases_of_long_text_count_against_the_budget() {
        // Found with the yaml_front_end fuzz target on a crafted input: a 600 KB file whose
        // 100,000 aliases each copied one 300 KB string ran out of memory (30 GB of text).
        let src = format!("x: &a \"{}\"\ny: [{}]\n", "x".repeat(300_000), "*a,".repeat(100_000));
        let l = ld(&src);
        assert!(l.fatal);
        assert!(l.diagnostics.iter().any(|d| d.message.contains("alias bomb")), "{:?}", l.diagnostics);
        // Text is weighed, not refused: long strings without aliases, or a few aliases of them, load.
        let src = format!("x: &a \"{}\"\ny: [*a, *a, *a]\n", "x".repeat(300_000));
        let l = ld(&src);
        assert!(!l.fatal, "{:?}", l.diagnostics);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        // Flow nesting is caught by the scanner's own recursion limit.
        let src = "[".repeat(5000) + &"]".repeat(5000);
        let l = ld(&src);
        assert!(l.fatal);
        assert!(l.diagnostics[0].message.contains("recursion limit"), "{:?}", l.diagnostics);
        // Block nesting by ours.
        let src: String = (0..1000).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect();
        let l = ld(&src);
        assert!(l.fatal);
        assert!(l.diagnostics[0].message.contains("nesting is deeper than the limit of 128"), "{:?}", l.diagnostics);
    }

    #[test]
    fn syntax_error_has_position() {
        let l = ld("on: push\nsteps: -\n");
        assert!(l.fatal);
        assert_eq!(l.diagnostics[0].span.start.line, 2);
        assert!(l.diagnostics[0].message.starts_with("could not parse as YAML"));
    }

    #[test]
    fn carriage_return_line_breaks() {
        // Found by fuzzing (yaml_front_end): a lone CR is a YAML line break, so the parser's
        // line numbers ran past our table of line starts, which counted LF only.
        let l = ld("\r|\rR");
        assert_eq!(l.root.unwrap().pos(), Pos::new(2, 1));
        let l = ld("a: &x 1\rb: *x\rc: |\r  text\r");
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let root = l.root.unwrap();
        assert_eq!(root.as_map().unwrap()[2].value.pos(), Pos::new(3, 4));
        let l = ld("a: &x 1\r\nb: &unused |\r\n  text\r\n");
        assert_eq!(l.diagnostics.len(), 2, "{:?}", l.diagnostics);
        assert!(l.diagnostics.iter().any(|d| d.message == "anchor \"unused\" is defined but not used"));
    }

    #[test]
    fn merge_key_is_reported() {
        let l = ld("a: &x {k: 1}\nb:\n  <<: *x\n");
        assert_eq!(l.diagnostics[0].message, "GitHub Actions does not support YAML merge key \"<<\"");
    }

    #[test]
    fn tags_outside_the_core_schema_are_reported() {
        let l = ld("a: !!timestamp 2022-10-26\nb: !!int \"300\"\nc: !!float 1.5\nd: !!str 5\n");
        let msgs: Vec<&str> = l.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(msgs[0].starts_with("unsupported YAML tag \"!!timestamp\""));
        assert!(msgs[1].contains("cannot have the tag \"!!int\""));
    }

    #[test]
    fn second_document_is_reported() {
        let l = ld("a: 1\n---\nb: 2\n");
        assert!(l.diagnostics.iter().any(|d| d.message.contains("exactly one YAML document")));
        assert!(l.root.is_some());
    }
}
