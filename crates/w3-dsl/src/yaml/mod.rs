//! A YAML document as a tree of nodes that keep their source spans.
//!
//! The tree is built from the event stream of `saphyr-parser` with an explicit stack (no
//! recursion, so deep nesting cannot overflow the native stack). Aliases are resolved by copying
//! the anchored node, under a budget on the total number of nodes (a scalar weighing one more
//! per 64 bytes of text), so an alias bomb ("billion laughs") is rejected in time proportional
//! to the input, never by exhausting memory.

mod load;
mod scalar;

pub use load::{load, LoadOptions, Loaded};
pub use scalar::Resolved;

use crate::span::{Pos, Span};

/// The style a scalar was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` block scalar.
    Literal,
    /// `>` block scalar.
    Folded,
}

/// What a node holds.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Scalar {
        value: String,
        style: Style,
    },
    Seq(Vec<Node>),
    Map(Vec<Entry>),
    /// An alias that could not be resolved because it refers to an anchor that encloses it.
    RecursiveAlias {
        anchor: String,
    },
}

/// One `key: value` pair of a mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// A YAML node and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// Where the node starts (its anchor, opening quote or first character) and ends.
    pub span: Span,
    /// For block scalars: the position of the `|` or `>` indicator, where GitHub's and
    /// actionlint's positions for the node point. Equal to `span.start` otherwise.
    pub header: Pos,
    /// Explicit tag such as `!!str`, written as `!!suffix` or `!handle!suffix`.
    pub tag: Option<String>,
    /// Whether this node was reached through an alias (`*name`).
    pub aliased: bool,
}

impl Node {
    /// Returns the position diagnostics about this node point at.
    pub fn pos(&self) -> Pos {
        self.header
    }

    /// Returns the scalar text, if this is a scalar.
    pub fn as_scalar(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Returns the scalar's style, if this is a scalar.
    pub fn style(&self) -> Option<Style> {
        match &self.kind {
            NodeKind::Scalar { style, .. } => Some(*style),
            _ => None,
        }
    }

    /// Returns the entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// Returns the items, if this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// Returns the scalar resolved by YAML 1.2's core schema (null, bool, int, float, string).
    pub fn resolve(&self) -> Option<Resolved<'_>> {
        match &self.kind {
            NodeKind::Scalar { value, style } => Some(scalar::resolve(value, *style, self.tag.as_deref())),
            _ => None,
        }
    }

    /// Returns whether this node is a null scalar (`~`, `null`, or nothing at all).
    pub fn is_null(&self) -> bool {
        matches!(self.resolve(), Some(Resolved::Null))
    }

    /// Returns a short name of the node's kind for messages ("mapping", "sequence", "string"...).
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Map(_) => "mapping",
            NodeKind::Seq(_) => "sequence",
            NodeKind::RecursiveAlias { .. } => "alias",
            NodeKind::Scalar { .. } => match self.resolve() {
                Some(Resolved::Null) => "null",
                Some(Resolved::Bool(_)) => "boolean",
                Some(Resolved::Int(_)) | Some(Resolved::Float(_)) => "number",
                _ => "string",
            },
        }
    }

    /// Returns the source position of the character at `offset` (in characters) of this
    /// scalar's value (see [`pos_in_scalar`]).
    pub fn pos_in_value(&self, offset: usize) -> Pos {
        match &self.kind {
            NodeKind::Scalar { value, style } => pos_in_scalar(value, *style, self.span.start, offset),
            _ => self.pos(),
        }
    }
}

/// Returns the source position of the character at `offset` (in characters) of a scalar whose
/// text is `value`, written in `style` starting at `start`. Exact for single-line scalars and
/// literal block scalars; for multi-line flow scalars, whose line breaks were folded, it is the
/// best estimate.
pub fn pos_in_scalar(value: &str, style: Style, start: Pos, offset: usize) -> Pos {
    let quote = u32::from(matches!(style, Style::SingleQuoted | Style::DoubleQuoted));
    let block = matches!(style, Style::Literal | Style::Folded);
    let mut line = 0u32;
    let mut col = 0u32;
    for ch in value.chars().take(offset) {
        if ch == '\n' && block {
            line += 1;
            col = 0;
        } else {
            col += 1;
        }
    }
    if line == 0 {
        Pos::new(start.line, start.col + quote + col)
    } else {
        // Later lines of a block scalar start at the block's indentation.
        Pos::new(start.line + line, start.col + col)
    }
}
