//! Implements GitHub's built-in functions that need no lazy evaluation, and parses `format()`
//! strings.
//!
//! Strings built here are measured while they grow, so `join()` of a huge array or `format()`
//! repeating a long argument fail with "The maximum allowed memory size was exceeded" instead of
//! allocating without bound.

use super::error::Reason;
use super::json::string_bytes;
use super::ops::loose_eq;
use super::text::{
    contains_ignore_case, ends_with_ignore_case, starts_with_ignore_case, utf16_len,
};
use super::value::Value;

/// Returns `contains(search, item)`: a case-insensitive substring test when both are
/// primitives, membership by `==` when `search` is an array, else false.
pub(crate) fn contains(search: &Value, item: &Value) -> bool {
    match search {
        Value::Array(array) => array.iter().any(|element| loose_eq(item, element)),
        Value::Object(_) => false,
        _ => item.is_primitive() && contains_ignore_case(&search.to_str(), &item.to_str()),
    }
}

/// Returns `startsWith(s, prefix)`, case-insensitive; false unless both are primitives.
pub(crate) fn starts_with(s: &Value, prefix: &Value) -> bool {
    s.is_primitive()
        && prefix.is_primitive()
        && starts_with_ignore_case(&s.to_str(), &prefix.to_str())
}

/// Returns `endsWith(s, suffix)`, case-insensitive; false unless both are primitives.
pub(crate) fn ends_with(s: &Value, suffix: &Value) -> bool {
    s.is_primitive()
        && suffix.is_primitive()
        && ends_with_ignore_case(&s.to_str(), &suffix.to_str())
}

/// Grows a string while keeping its accounted size within a limit.
pub(crate) struct StringBuilder {
    text: String,
    units: usize,
    limit: usize,
}

impl StringBuilder {
    /// Returns an empty builder that fails beyond `limit` accounted bytes.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            text: String::new(),
            units: 0,
            limit,
        }
    }

    /// Appends `s`, or fails if the result would exceed the limit.
    pub(crate) fn push(&mut self, s: &str) -> Result<(), Reason> {
        let units = self.units.saturating_add(utf16_len(s));
        if string_bytes(units) > self.limit {
            return Err(Reason::MemoryExceeded);
        }
        self.units = units;
        self.text.push_str(s);
        Ok(())
    }

    /// Returns the built string.
    pub(crate) fn finish(self) -> String {
        self.text
    }
}

/// Returns `join(value, separator)`: a primitive as a string, an array's elements as strings
/// joined by `separator` (`,` when absent or not a primitive), and `''` for an object.
pub(crate) fn join(
    value: &Value,
    separator: Option<&Value>,
    limit: usize,
) -> Result<String, Reason> {
    let items = match value {
        Value::Array(items) => items,
        Value::Object(_) => return Ok(String::new()),
        primitive => {
            let mut out = StringBuilder::new(limit);
            out.push(&primitive.to_str())?;
            return Ok(out.finish());
        }
    };
    let separator = match separator {
        Some(sep) if sep.is_primitive() => sep.to_str(),
        _ => ",".into(),
    };
    let mut out = StringBuilder::new(limit);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(&separator)?;
        }
        out.push(&item.to_str())?;
    }
    Ok(out.finish())
}

/// Holds one piece of a parsed `format()` string.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Literal text (with `{{`/`}}` already reduced to one brace).
    Text(&'a str),
    /// A placeholder `{index}` or `{index:specifiers}`.
    Arg { index: usize, specifiers: String },
}

/// Parses a `format()` string for `arg_count` arguments, as GitHub's `format()` does.
pub(crate) fn parse_format(format: &str, arg_count: usize) -> Result<Vec<Piece<'_>>, Reason> {
    let invalid = || Reason::InvalidFormatString(format.to_owned());
    let bytes = format.as_bytes();
    let find = |byte: u8, from: usize| {
        bytes
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| b == byte))
            .map(|p| p + from)
    };
    let mut pieces = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match (find(b'{', i), find(b'}', i)) {
            (Some(l), r) if r.is_none_or(|r| r > l) => {
                if bytes.get(l + 1) == Some(&b'{') {
                    pieces.push(Piece::Text(&format[i..=l]));
                    i = l + 2;
                    continue;
                }
                let Some((index, specifiers, close)) = r
                    .filter(|&r| r > l + 1)
                    .and_then(|_| read_placeholder(format, l + 1))
                else {
                    return Err(invalid());
                };
                if index >= arg_count {
                    return Err(Reason::FormatArgumentOutOfRange(format.to_owned()));
                }
                if l > i {
                    pieces.push(Piece::Text(&format[i..l]));
                }
                pieces.push(Piece::Arg { index, specifiers });
                i = close + 1;
            }
            (_, Some(r)) => {
                if bytes.get(r + 1) != Some(&b'}') {
                    return Err(invalid());
                }
                pieces.push(Piece::Text(&format[i..=r]));
                i = r + 2;
            }
            (_, None) => {
                pieces.push(Piece::Text(&format[i..]));
                break;
            }
        }
    }
    Ok(pieces)
}

/// Reads `digits[:specifiers]}` starting at byte `start`; returns the argument index (at most
/// 255), the specifiers (with `}}` unescaped) and the byte index of the closing `}`.
fn read_placeholder(format: &str, start: usize) -> Option<(usize, String, usize)> {
    let bytes = format.as_bytes();
    let digits = bytes
        .get(start..)?
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    let index = bytes
        .get(start..start + digits)?
        .iter()
        .try_fold(0usize, |acc, d| {
            let value = acc * 10 + usize::from(d - b'0');
            (value <= 255).then_some(value)
        })?;
    let mut i = start + digits;
    match bytes.get(i) {
        Some(b'}') => return Some((index, String::new(), i)),
        Some(b':') => i += 1,
        _ => return None,
    }
    let mut specifiers = String::new();
    let mut run = i;
    loop {
        match bytes.get(i)? {
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                specifiers.push_str(format.get(run..i)?);
                specifiers.push('}');
                i += 2;
                run = i;
            }
            b'}' => {
                specifiers.push_str(format.get(run..i)?);
                return Some((index, specifiers, i));
            }
            _ => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(format: &str, args: &[&str]) -> Result<String, Reason> {
        let pieces = parse_format(format, args.len())?;
        Ok(pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => (*t).to_owned(),
                Piece::Arg { index, .. } => args[*index].to_owned(),
            })
            .collect())
    }

    #[test]
    fn placeholders_and_escapes() {
        assert_eq!(render("123{0}456{1}", &["a", "b"]).unwrap(), "123a456b");
        assert_eq!(render("{{0}}", &["a"]).unwrap(), "{0}");
        assert_eq!(render("}}{{}}", &["a"]).unwrap(), "}{}");
        assert_eq!(render("{00}", &["a"]).unwrap(), "a");
        assert_eq!(render("", &[]).unwrap(), "");
    }

    #[test]
    fn malformed_strings() {
        for bad in [
            "{0", "{0}}", "0}", "{{0}", "}0{", "}{0}", "{0}{", "{x}", "{256}", "{-1}", "{0 }",
        ] {
            assert_eq!(
                render(bad, &["a"]),
                Err(Reason::InvalidFormatString(bad.to_owned())),
                "{bad}"
            );
        }
        assert_eq!(
            render("{0}{1}", &["a"]),
            Err(Reason::FormatArgumentOutOfRange("{0}{1}".to_owned()))
        );
    }

    #[test]
    fn specifiers_are_read_with_escapes() {
        let pieces = parse_format("{0:yy}}MM}!", 1).unwrap();
        assert_eq!(
            pieces[0],
            Piece::Arg {
                index: 0,
                specifiers: "yy}MM".to_owned()
            }
        );
        assert_eq!(pieces[1], Piece::Text("!"));
    }

    #[test]
    fn join_and_contains() {
        let items = Value::Array(
            vec![
                Value::Null,
                Value::Bool(true),
                Value::from(1.5),
                Value::from("x"),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(join(&items, None, usize::MAX).unwrap(), ",true,1.5,x");
        assert_eq!(
            join(&items, Some(&Value::Null), usize::MAX).unwrap(),
            "true1.5x"
        );
        assert_eq!(
            join(&items, Some(&Value::from(" | ")), 40),
            Err(Reason::MemoryExceeded)
        );
        assert!(contains(&items, &Value::from("X")));
        assert!(contains(&Value::from("abc"), &Value::Null));
        assert!(!contains(&Value::from("abc"), &items));
        assert!(starts_with(&Value::from(1234.0), &Value::from(12.0)));
        assert!(!ends_with(&items, &Value::from("x")));
    }
}
