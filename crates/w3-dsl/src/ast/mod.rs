//! The typed AST of a workflow: GitHub Actions' complete syntax plus the W3 extensions.
//!
//! Every node keeps the position diagnostics should point at. Values that may be written either
//! as a literal or as a `${{ }}` expression are [`ExprOr`]. Free-form data (`with:` values,
//! matrix rows, input defaults) stays a [`Node`] so later layers see exactly what was written.
//!
//! [`parse`] never fails: structural problems become diagnostics (rule `syntax-check`) and the
//! AST holds whatever could be read.

mod build;
mod fields;
mod types;

pub use build::{parse, parse_action, parse_bytes, Parsed, ParsedAction, MAX_FILE_BYTES};
pub use types::*;

use crate::span::{Pos, Span};
use crate::yaml::{Node, Style};

/// A scalar written in the source, as text.
#[derive(Clone, Debug, PartialEq)]
pub struct Str {
    pub value: String,
    /// Where diagnostics about the value point (for block scalars, the `|`/`>` indicator).
    pub pos: Pos,
    pub span: Span,
    pub style: Style,
}

impl Str {
    /// Returns the scalar `node` as text, or `None` for collections.
    pub fn from_node(node: &Node) -> Option<Self> {
        let NodeKind::Scalar { value, style } = &node.kind else { return None };
        Some(Self { value: value.clone(), pos: node.pos(), span: node.span, style: *style })
    }

    /// Returns the source position of the character at `offset` (in characters) of the value.
    pub fn pos_in_value(&self, offset: usize) -> Pos {
        crate::yaml::pos_in_scalar(&self.value, self.style, self.span.start, offset)
    }

    /// Returns whether the whole value is one `${{ }}` expression.
    pub fn is_single_expr(&self) -> bool {
        let t = self.value.trim();
        t.starts_with("${{") && t.ends_with("}}") && t[3..].find("${{").is_none()
    }

    /// Returns whether the value contains a `${{`.
    pub fn has_expr(&self) -> bool {
        self.value.contains("${{")
    }
}

impl std::fmt::Display for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.value)
    }
}

use crate::yaml::NodeKind;

/// A value written either literally or as a `${{ }}` expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprOr<T> {
    Lit { value: T, pos: Pos },
    Expr(Str),
}

impl<T> ExprOr<T> {
    /// Returns the position of the value.
    pub fn pos(&self) -> Pos {
        match self {
            ExprOr::Lit { pos, .. } => *pos,
            ExprOr::Expr(s) => s.pos,
        }
    }

    /// Returns the literal value, if it is one.
    pub fn literal(&self) -> Option<&T> {
        match self {
            ExprOr::Lit { value, .. } => Some(value),
            ExprOr::Expr(_) => None,
        }
    }
}
