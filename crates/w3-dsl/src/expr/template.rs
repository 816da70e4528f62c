//! Splits YAML string values into literal text and `${{ … }}` expressions.
//!
//! GitHub finds `${{`, then the first `}}` that is not inside a single-quoted string literal of
//! the expression, so `${{ format('}}') }}` is one expression. The text between is trimmed and
//! must not be empty. A value made of exactly one expression is that expression; any other mix
//! becomes one `format()` call, e.g. `ci-${{ github.ref }}` is `format('ci-{0}', github.ref)`.

use super::span::CharSpan;
use std::fmt;

/// Holds one piece of a template string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Literal text.
    Literal {
        /// The text.
        text: String,
        /// Its characters within the template string.
        span: CharSpan,
    },
    /// An embedded expression.
    Expression {
        /// The expression source, without `${{`, `}}` and surrounding whitespace.
        source: String,
        /// Character offset of `source` within the template string; add it to an expression
        /// error's span to place the error in the string.
        offset: usize,
        /// The characters of the whole `${{ … }}` within the template string.
        span: CharSpan,
    },
}

/// Names what is wrong with a template string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TemplateErrorKind {
    /// A `${{` without a closing `}}`.
    Unclosed,
    /// A `${{ }}` with nothing inside.
    Empty,
}

/// Reports a malformed template string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub struct TemplateError {
    /// What is wrong.
    pub kind: TemplateErrorKind,
    /// The characters of the offending `${{` (to the end of the string when unclosed).
    pub span: CharSpan,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            TemplateErrorKind::Unclosed => {
                "The expression is not closed. An unescaped ${{ sequence was found, but the closing }} sequence was not found."
            }
            TemplateErrorKind::Empty => "An expression was expected.",
        })
    }
}

/// Returns whether `s` contains `${{`, i.e. whether it is a template rather than plain text.
pub fn is_template(s: &str) -> bool {
    s.contains("${{")
}

/// Returns the segments of `s` in order; literal segments are never empty. A string without
/// `${{` is one literal segment (or none when empty).
pub fn split_template(s: &str) -> Result<Vec<Segment>, TemplateError> {
    let chars: Vec<char> = s.chars().collect();
    let mut segments = Vec::new();
    let mut literal_start = 0;
    let mut i = 0;
    while let Some(open) = find_open(&chars, i) {
        let close = find_close(&chars, open + 3)
            .ok_or(TemplateError { kind: TemplateErrorKind::Unclosed, span: CharSpan::new(open, chars.len()) })?;
        push_literal(&mut segments, &chars, literal_start, open);
        let span = CharSpan::new(open, close + 2);
        let inner = &chars[open + 3..close];
        let leading = inner.iter().take_while(|c| c.is_whitespace()).count();
        let trailing = inner[leading..].iter().rev().take_while(|c| c.is_whitespace()).count();
        let source: String = inner[leading..inner.len() - trailing].iter().collect();
        if source.is_empty() {
            return Err(TemplateError { kind: TemplateErrorKind::Empty, span });
        }
        segments.push(Segment::Expression { source, offset: open + 3 + leading, span });
        i = close + 2;
        literal_start = i;
    }
    push_literal(&mut segments, &chars, literal_start, chars.len());
    Ok(segments)
}

fn find_open(chars: &[char], from: usize) -> Option<usize> {
    chars.get(from..)?.windows(3).position(|w| w == ['$', '{', '{']).map(|p| p + from)
}

/// Returns the index of the first `}}` at or after `from` outside a string literal.
fn find_close(chars: &[char], from: usize) -> Option<usize> {
    let mut in_string = false;
    let mut i = from;
    while let Some(&c) = chars.get(i) {
        if c == '\'' {
            // A doubled quote inside a string toggles twice, which leaves it inside.
            in_string = !in_string;
        } else if !in_string && c == '}' && chars.get(i + 1) == Some(&'}') {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn push_literal(segments: &mut Vec<Segment>, chars: &[char], start: usize, end: usize) {
    if start < end {
        let text = chars[start..end].iter().collect();
        segments.push(Segment::Literal { text, span: CharSpan::new(start, end) });
    }
}

/// Returns the single expression GitHub evaluates for `segments`: `None` without expressions,
/// the expression itself when it is the only segment, else a `format()` call whose format string
/// holds the literal text (braces doubled, quotes escaped) and whose arguments are the
/// expressions in order.
pub fn to_format_expression(segments: &[Segment]) -> Option<String> {
    match segments {
        [Segment::Expression { source, .. }] => return Some(source.clone()),
        _ if !segments.iter().any(|s| matches!(s, Segment::Expression { .. })) => return None,
        _ => {}
    }
    let mut format = String::from("format('");
    let mut args = String::new();
    let mut next_arg = 0usize;
    for segment in segments {
        match segment {
            Segment::Literal { text, .. } => {
                for c in text.chars() {
                    match c {
                        '{' => format.push_str("{{"),
                        '}' => format.push_str("}}"),
                        '\'' => format.push_str("''"),
                        c => format.push(c),
                    }
                }
            }
            Segment::Expression { source, .. } => {
                format.push_str(&format!("{{{next_arg}}}"));
                args.push_str(", ");
                args.push_str(source);
                next_arg += 1;
            }
        }
    }
    format.push('\'');
    format.push_str(&args);
    format.push(')');
    Some(format)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expression(source: &str, offset: usize, span: (usize, usize)) -> Segment {
        Segment::Expression { source: source.into(), offset, span: CharSpan::new(span.0, span.1) }
    }

    #[test]
    fn splits_literals_and_expressions() {
        let segments = split_template("ci-${{ github.ref }}!").unwrap();
        assert_eq!(
            segments,
            [
                Segment::Literal { text: "ci-".into(), span: CharSpan::new(0, 3) },
                expression("github.ref", 7, (3, 20)),
                Segment::Literal { text: "!".into(), span: CharSpan::new(20, 21) },
            ]
        );
        assert_eq!(to_format_expression(&segments).unwrap(), "format('ci-{0}!', github.ref)");
    }

    #[test]
    fn closing_braces_inside_strings_do_not_close() {
        let segments = split_template("${{ format('}}') }}").unwrap();
        assert_eq!(segments, [expression("format('}}')", 4, (0, 19))]);
        assert_eq!(to_format_expression(&segments).unwrap(), "format('}}')");
        let segments = split_template("${{ 'it''s }}' }}").unwrap();
        assert_eq!(segments, [expression("'it''s }}'", 4, (0, 17))]);
    }

    #[test]
    fn formats_escape_literal_text() {
        let segments = split_template("{a} 'b' ${{ x }}${{ y }}").unwrap();
        assert_eq!(to_format_expression(&segments).unwrap(), "format('{{a}} ''b'' {0}{1}', x, y)");
        assert_eq!(to_format_expression(&split_template("plain").unwrap()), None);
        assert!(split_template("").unwrap().is_empty());
    }

    #[test]
    fn offsets_count_characters() {
        let segments = split_template("é ${{ a }}").unwrap();
        assert_eq!(segments[1], expression("a", 6, (2, 10)));
    }

    #[test]
    fn reports_unclosed_and_empty_expressions() {
        let err = split_template("a ${{ b } c").unwrap_err();
        assert_eq!((err.kind, err.span), (TemplateErrorKind::Unclosed, CharSpan::new(2, 11)));
        assert!(err.to_string().starts_with("The expression is not closed."));
        assert_eq!(split_template("${{ '}} }}").unwrap_err().kind, TemplateErrorKind::Unclosed);
        assert_eq!(split_template("x ${{  }}").unwrap_err().kind, TemplateErrorKind::Empty);
    }
}
