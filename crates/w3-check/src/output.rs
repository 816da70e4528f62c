//! Renders diagnostics: `path:line:col: message [rule]` lines (with a source snippet and caret
//! for terminals), or JSON.

use serde::Serialize;
use w3_dsl::{Diagnostic, Severity};

/// Renders one diagnostic as a text line, followed by the source line and a caret under the
/// column when `source` is given.
pub fn text(path: &str, d: &Diagnostic, source: Option<&str>) -> String {
    let mut s = d.render(path);
    s.push('\n');
    if let Some(line) = source.and_then(|src| src.lines().nth(d.span.start.line.saturating_sub(1) as usize)) {
        let gutter = d.span.start.line.to_string();
        s.push_str(&format!("{gutter} | {line}\n"));
        let before: String = line
            .chars()
            .take(d.span.start.col.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        s.push_str(&format!("{} | {before}^\n", " ".repeat(gutter.len())));
    }
    s
}

/// One diagnostic in the JSON output.
#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub path: &'a str,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub rule: &'a str,
    pub severity: &'a str,
    pub message: &'a str,
}

impl<'a> JsonDiagnostic<'a> {
    /// Returns the JSON form of `d` found in `path`.
    pub fn new(path: &'a str, d: &'a Diagnostic) -> Self {
        let end = if d.span.end >= d.span.start { d.span.end } else { d.span.start };
        Self {
            path,
            line: d.span.start.line,
            column: d.span.start.col,
            end_line: end.line,
            end_column: end.col,
            rule: d.rule,
            severity: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            message: &d.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use w3_dsl::Pos;

    #[test]
    fn snippet_has_caret_under_column() {
        let d = Diagnostic::at("id", Pos::new(2, 5), "bad id");
        let out = text("w.yml", &d, Some("a: 1\nb:  x\n"));
        assert_eq!(out, "w.yml:2:5: bad id [id]\n2 | b:  x\n  |     ^\n");
    }
}
