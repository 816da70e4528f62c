//! Describes failed expressions: the phase that failed, why, and where.
//!
//! Every message is GitHub's, so a known-answer test can compare texts and a user sees what
//! GitHub would show: `<reason>. Located at position <N> within expression: <source>`.

use super::span::CharSpan;
use std::fmt;
use w3_value::ValueError;

/// Names the phase in which an expression failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The source could not be split into tokens.
    Lexing,
    /// The tokens do not form an expression, or name something unknown.
    Parsing,
    /// The expression is well-formed but failed while it ran.
    Evaluation,
}

impl ErrorKind {
    /// Returns the lower-case name used by the conformance data (`lexing`, `parsing`,
    /// `evaluation`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Lexing => "lexing",
            ErrorKind::Parsing => "parsing",
            ErrorKind::Evaluation => "evaluation",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Says why an expression failed. Each variant displays as GitHub's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Reason {
    /// A lexeme that is not a token, or a token where it may not stand.
    #[error("Unexpected symbol: '{0}'")]
    UnexpectedSymbol(String),
    /// The expression stops after an operator or inside brackets; holds the last token.
    #[error("Unexpected end of expression: '{0}'")]
    UnexpectedEnd(String),
    /// A context name that the caller did not allow.
    #[error("Unrecognized named-value: '{0}'")]
    UnrecognizedNamedValue(String),
    /// A function name that is neither built in nor allowed by the caller.
    #[error("Unrecognized function: '{0}'")]
    UnrecognizedFunction(String),
    /// A call with fewer arguments than the function takes.
    #[error("Too few parameters supplied: '{0}'")]
    TooFewParameters(String),
    /// A call with more arguments than the function takes.
    #[error("Too many parameters supplied: '{0}'")]
    TooManyParameters(String),
    /// A `case(...)` call with an even number of arguments.
    #[error("Even number of parameters supplied, requires an odd number of parameters: '{0}'")]
    EvenParameterCount(String),
    /// The syntax tree is deeper than the limit.
    #[error("Exceeded max expression depth {0}")]
    ExceededMaxDepth(usize),
    /// The source is longer than the limit (in characters).
    #[error("Exceeded max expression length {0}")]
    ExceededMaxLength(usize),
    /// A `case()` predicate that is not a boolean.
    #[error("case predicate must evaluate to a boolean value")]
    CasePredicateNotBoolean,
    /// An operation on values failed (`format()`, `fromJSON()`, `toJSON()`, the memory limit),
    /// with `w3-value`'s message, which is GitHub's.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// An extension function was called but the evaluator has no implementation for it.
    #[error("The function '{0}' is not available in this evaluation")]
    FunctionUnavailable(String),
    /// An extension function reported a failure; holds the function name and its message.
    #[error("{1}")]
    FunctionFailed(String, String),
}

/// Reports a failed expression: the phase, the reason, the position and the source text.
///
/// Displays as GitHub does: `<reason>. Located at position <N> within expression: <source>`,
/// where `N` is the 1-based character offset of the offending token, or
/// `<reason>. Located within expression: <source>` when the error has no single position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    reason: Reason,
    span: Option<CharSpan>,
    expression: String,
}

impl Error {
    /// Returns an error of `kind` for `reason` at `span` within `expression`.
    pub fn new(kind: ErrorKind, reason: Reason, span: Option<CharSpan>, expression: impl Into<String>) -> Self {
        Self { kind, reason, span, expression: expression.into() }
    }

    /// Returns an evaluation error at `span`; the source text is attached later.
    pub(crate) fn evaluation(reason: Reason, span: CharSpan) -> Self {
        Self::new(ErrorKind::Evaluation, reason, Some(span), String::new())
    }

    /// Returns the error with `expression` as its source text.
    pub(crate) fn with_expression(mut self, expression: &str) -> Self {
        expression.clone_into(&mut self.expression);
        self
    }

    /// Returns the phase that failed.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Returns why it failed.
    pub fn reason(&self) -> &Reason {
        &self.reason
    }

    /// Returns the characters the error is about, if it is about one place.
    pub fn span(&self) -> Option<CharSpan> {
        self.span
    }

    /// Returns the 1-based character position GitHub prints, if the error has one.
    pub fn position(&self) -> Option<usize> {
        self.span.map(CharSpan::position)
    }

    /// Returns the source text of the expression that failed.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// Returns the message without the location suffix, e.g. `Unrecognized function: 'foo'`.
    pub fn message(&self) -> String {
        self.reason.to_string()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.span {
            Some(span) => write!(
                f,
                "{}. Located at position {} within expression: {}",
                self.reason,
                span.position(),
                self.expression
            ),
            None => write!(f, "{}. Located within expression: {}", self.reason, self.expression),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use w3_value::ValueKind;

    #[test]
    fn value_errors_keep_their_messages() {
        let errors = [
            ValueError::InvalidFormatString("{".into()),
            ValueError::FormatArgumentOutOfRange("{1}".into()),
            ValueError::InvalidFormatSpecifiers { specifiers: "x".into(), kind: ValueKind::Number },
            ValueError::MemoryExceeded,
            ValueError::InvalidJson("empty input".into()),
            ValueError::ValueTooDeep,
        ];
        for error in errors {
            assert_eq!(Reason::from(error.clone()).to_string(), error.to_string());
        }
    }
}
