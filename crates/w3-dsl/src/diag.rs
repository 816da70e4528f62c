//! Diagnostics: what every layer reports about a source file.

use crate::span::{Pos, Span};
use std::fmt;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding about a source file: where, which rule, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    /// Rule name shown in brackets, e.g. `syntax-check` or `expression`.
    pub rule: &'static str,
    pub severity: Severity,
}

impl Diagnostic {
    /// Returns an error diagnostic of `rule` at `span`.
    pub fn error(rule: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self { span, message: message.into(), rule, severity: Severity::Error }
    }

    /// Returns an error diagnostic of `rule` at a single position.
    pub fn at(rule: &'static str, pos: Pos, message: impl Into<String>) -> Self {
        Self::error(rule, Span::point(pos), message)
    }

    /// Renders the diagnostic as `path:line:col: message [rule]`.
    pub fn render(&self, path: &str) -> String {
        format!("{}:{}:{}: {} [{}]", path, self.span.start.line, self.span.start.col, self.message, self.rule)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.span.start, self.message, self.rule)
    }
}

/// Returns the candidate closest to `word` when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter_map(|c| {
            let limit = (c.len().max(3) / 3).max(1);
            // Lengths further apart than the limit cannot be within it: skip the distance.
            if c.len().abs_diff(word.len()) > limit {
                return None;
            }
            // Optimal string alignment counts a swap of neighbours as one edit, like
            // Damerau-Levenshtein, without its allocation.
            let d = strsim::osa_distance(&lower, &c.to_ascii_lowercase());
            (d <= limit || c.eq_ignore_ascii_case(word)).then_some((d, c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys() {
        assert_eq!(did_you_mean("run-on", ["runs-on", "steps", "needs"]), Some("runs-on"));
        assert_eq!(did_you_mean("stpes", ["runs-on", "steps", "needs"]), Some("steps"));
        assert_eq!(did_you_mean("zzzzzz", ["runs-on", "steps"]), None);
    }

    #[test]
    fn renders_like_actionlint() {
        let d = Diagnostic::at("syntax-check", Pos::new(3, 5), "bad");
        assert_eq!(d.render("a.yml"), "a.yml:3:5: bad [syntax-check]");
    }
}
