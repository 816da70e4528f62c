//! Implements GitHub's expression language (`${{ … }}`): lexer, parser, evaluator and
//! templates, with GitHub's exact semantics and messages.
//!
//! This module owns the syntax and the order of evaluation (short-circuiting `&&`/`||`, lazy
//! `case()` and `format()` arguments, error positions); what values are and what operations on
//! them mean (coercions, comparisons, access, built-in functions, JSON, memory accounting) is
//! `w3-value`'s, shared with the VM, and re-exported here.
//!
//! Parsing takes [`ParseOptions`] naming the contexts (named values) and extension functions an
//! expression may use; anything else is a parse error, as on GitHub. The result is an
//! [`Expression`] whose tree ([`Expr`]) a linter can walk; an [`Evaluator`] runs it against
//! context values. Limits are GitHub's: 21,000 characters, tree depth 50, 1 MiB of memory.
//! Nothing here panics or recurses without bound on any input.
//!
//! ```
//! use w3_dsl::expr::{Evaluator, Expression, Object, ParseOptions, Value};
//!
//! let mut contexts = Object::new();
//! contexts.insert("github", serde_json::json!({"ref": "refs/heads/main"}).into());
//! let options = ParseOptions::new().named_values(contexts.keys());
//! let expr = Expression::parse("startsWith(github.ref, 'refs/heads/') && 'yes'", &options)?;
//! assert_eq!(Evaluator::new(&contexts).evaluate(&expr)?, Value::from("yes"));
//! # Ok::<(), w3_dsl::expr::Error>(())
//! ```

mod ast;
mod error;
mod eval;
mod lexer;
mod options;
mod parser;
mod print;
mod span;
mod template;
mod token;

pub use ast::{Builtin, Call, Expr, ExprKind, Function, Ident, Literal, LogicalOp};
pub use error::{Error, ErrorKind, Reason};
pub use eval::{Evaluator, ExtensionFunctions};
pub use lexer::lex;
pub use options::{FunctionSig, ParseOptions, MAX_DEPTH, MAX_LENGTH, WORKFLOW_CONTEXTS};
pub use span::CharSpan;
pub use template::{is_template, split_template, to_format_expression, Segment, TemplateError, TemplateErrorKind};
pub use token::{Token, TokenKind};
// Values and their semantics live in `w3-value`, shared with the VM; they are re-exported here
// so that users of the expression language need one import path.
pub use w3_value::{
    cmp_ignore_case, compare, eq_ignore_case, js_number_to_string, loose_eq, number_to_string, parse_number,
    to_json_text, Array, CompareOp, JsonStyle, Memory, NonFinite, Object, Value, ValueError, ValueKind,
    DEFAULT_MAX_MEMORY,
};

use std::fmt;

/// Holds a parsed expression: its source text and its syntax tree.
///
/// The only way to make one is [`Expression::parse`], so every tree an [`Evaluator`] sees is
/// within the depth limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Expression {
    source: String,
    root: Option<Expr>,
}

impl Expression {
    /// Parses `source` (without `${{ }}`). Fails with a lexing error for a lexeme that is no
    /// token, and with a parsing error for misplaced tokens, names `options` does not allow,
    /// wrong argument counts and exceeded limits.
    pub fn parse(source: &str, options: &ParseOptions) -> Result<Expression, Error> {
        let limit = options.length_limit();
        if source.chars().nth(limit).is_some() {
            let reason = Reason::ExceededMaxLength(limit);
            return Err(Error::new(ErrorKind::Parsing, reason, None, source));
        }
        let tokens = lex(source)?;
        let root = parser::parse_tokens(source, &tokens, options)?;
        Ok(Expression { source: source.to_owned(), root })
    }

    /// Returns the source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Returns the syntax tree, or `None` for an empty (all-whitespace) expression.
    pub fn root(&self) -> Option<&Expr> {
        self.root.as_ref()
    }
}

/// Writes the expression in canonical form (see [`Expr`]'s `Display`).
impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.root {
            Some(root) => root.fmt(f),
            None => Ok(()),
        }
    }
}

/// Returns the value of `source` with `contexts` as its named values (each entry's key is an
/// allowed name) and only the built-in functions.
pub fn evaluate(source: &str, contexts: &Object) -> Result<Value, Error> {
    let options = ParseOptions::new().named_values(contexts.keys());
    let expression = Expression::parse(source, &options)?;
    Evaluator::new(contexts).evaluate(&expression)
}

#[cfg(test)]
mod tests;
