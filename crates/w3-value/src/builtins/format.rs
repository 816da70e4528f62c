//! Implements `format()`: parses format strings as GitHub does and fills in arguments.
//!
//! GitHub evaluates `format()` lazily: the format string first, then each referenced argument
//! once, in order of first reference, checking a placeholder's specifiers right after its
//! argument; arguments never referenced are never evaluated. An evaluator that can defer
//! evaluation uses [`parse_format`], [`check_specifiers`] and [`render_format`] in that order;
//! [`format`] does the same for arguments that are all evaluated already, which gives the same
//! result whenever evaluating the unreferenced arguments could not have failed.

use crate::error::ValueError;
use crate::memory::Memory;
use crate::value::{Value, ValueKind};
use std::borrow::Cow;

/// Returns `format(args[0], args[1..])` for evaluated arguments; no argument at all is `''`.
pub fn format(args: &[Value], memory: &Memory) -> Result<Value, ValueError> {
    let Some((first, rest)) = args.split_first() else {
        return Ok(Value::from(""));
    };
    let format = first.to_str();
    let pieces = parse_format(&format, rest.len())?;
    for piece in &pieces {
        if let Piece::Arg { index, specifiers } = piece {
            if let Some(arg) = rest.get(*index) {
                check_specifiers(specifiers, arg.kind())?;
            }
        }
    }
    render_format(&pieces, |index| rest.get(index), memory)
}

/// Fails with [`ValueError::InvalidFormatSpecifiers`] when a placeholder has `specifiers` (no
/// kind of value supports any, so only the empty text passes) for an argument of `kind`.
pub fn check_specifiers(specifiers: &str, kind: ValueKind) -> Result<(), ValueError> {
    if specifiers.is_empty() {
        return Ok(());
    }
    Err(ValueError::InvalidFormatSpecifiers { specifiers: specifiers.to_owned(), kind })
}

/// Returns the text of parsed `pieces` with each placeholder replaced by its argument as a
/// string (`arg(index)`; `None`, an argument never evaluated, writes `''`). Fails with
/// [`ValueError::MemoryExceeded`] as soon as the text outgrows `memory`'s limit.
pub fn render_format<'v>(
    pieces: &[Piece<'_>],
    arg: impl Fn(usize) -> Option<&'v Value>,
    memory: &Memory,
) -> Result<Value, ValueError> {
    let mut out = memory.builder();
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push(text)?,
            Piece::Arg { index, .. } => {
                let text = arg(*index).map_or(Cow::Borrowed(""), Value::to_str);
                out.push(&text)?;
            }
        }
    }
    Ok(Value::from(out.finish()))
}

/// Holds one piece of a parsed `format()` string.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Literal text (with `{{`/`}}` already reduced to one brace).
    Text(&'a str),
    /// A placeholder `{index}` or `{index:specifiers}`.
    Arg {
        /// The argument's index among the arguments after the format string.
        index: usize,
        /// The text after `:`, with `}}` reduced to `}`; empty without `:`.
        specifiers: String,
    },
}

/// Parses a `format()` string for `arg_count` arguments, as GitHub's `format()` does.
pub fn parse_format(format: &str, arg_count: usize) -> Result<Vec<Piece<'_>>, ValueError> {
    let invalid = || ValueError::InvalidFormatString(format.to_owned());
    let bytes = format.as_bytes();
    let find = |byte: u8, from: usize| {
        bytes.get(from..).and_then(|rest| rest.iter().position(|&b| b == byte)).map(|p| p + from)
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
                let Some((index, specifiers, close)) =
                    r.filter(|&r| r > l + 1).and_then(|_| read_placeholder(format, l + 1))
                else {
                    return Err(invalid());
                };
                if index >= arg_count {
                    return Err(ValueError::FormatArgumentOutOfRange(format.to_owned()));
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
    let digits = bytes.get(start..)?.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let index = bytes.get(start..start + digits)?.iter().try_fold(0usize, |acc, d| {
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

    fn render(format: &str, args: &[&str]) -> Result<String, ValueError> {
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
        for bad in ["{0", "{0}}", "0}", "{{0}", "}0{", "}{0}", "{0}{", "{x}", "{256}", "{-1}", "{0 }"] {
            assert_eq!(render(bad, &["a"]), Err(ValueError::InvalidFormatString(bad.to_owned())), "{bad}");
        }
        assert_eq!(render("{0}{1}", &["a"]), Err(ValueError::FormatArgumentOutOfRange("{0}{1}".to_owned())));
    }

    #[test]
    fn specifiers_are_read_with_escapes() {
        let pieces = parse_format("{0:yy}}MM}!", 1).unwrap();
        assert_eq!(pieces[0], Piece::Arg { index: 0, specifiers: "yy}MM".to_owned() });
        assert_eq!(pieces[1], Piece::Text("!"));
    }

    #[test]
    fn formats_evaluated_arguments() {
        let memory = Memory::default();
        let args = [Value::from("{0}-{1}-{0}"), Value::from(1.5), Value::from("x")];
        assert_eq!(format(&args, &memory), Ok(Value::from("1.5-x-1.5")));
        assert_eq!(format(&[], &memory), Ok(Value::from("")));
        let args = [Value::from("{0:x}"), Value::from(1.0)];
        assert_eq!(
            format(&args, &memory).map_err(|e| e.to_string()),
            Err("The format specifiers 'x' are not valid for objects of type 'Number'".to_owned())
        );
        let args = [Value::from("{0}{0}"), Value::from("abc")];
        assert_eq!(format(&args, &Memory::new(30)), Err(ValueError::MemoryExceeded));
    }
}
