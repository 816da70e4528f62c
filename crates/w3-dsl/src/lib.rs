//! Layer 1 of w3: turns workflow YAML into a typed AST whose every node keeps its source span,
//! and implements GitHub's expression language (lexer, parser, evaluator) with GitHub's exact
//! semantics.
//!
//! The crate does no IO: callers hand it bytes and a file name and get back an AST plus
//! diagnostics. Nothing in here panics on bad input; every failure is a [`Diagnostic`].

pub mod ast;
pub mod diag;
pub mod expr;
pub mod span;
pub mod yaml;

pub use diag::{Diagnostic, Severity};
pub use span::{Pos, Span};
