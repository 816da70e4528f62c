//! GitHub's file commands: what a step writes to `$GITHUB_OUTPUT`, `$GITHUB_ENV`, `$GITHUB_STATE`
//! (name/value pairs) and `$GITHUB_PATH` (one directory per line), read back after the step.
//!
//! A pair is either `NAME=value` on one line, or a heredoc whose value spans the lines between
//! `NAME<<DELIMITER` and a line that is exactly `DELIMITER`; the lines of a heredoc value are
//! joined with `\n`. Whichever of `=` and `<<` comes first on a line decides its form, so
//! `A=x<<y` sets `A` to `x<<y`. Empty lines are skipped; line ends may be `\n` or `\r\n`.

/// A file-command file that does not follow the format; `line` counts from 1.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct FileCommandError {
    pub line: usize,
    pub message: String,
}

/// Returns the name/value pairs of `text`, in the order written (a later pair for the same name
/// wins when the caller applies them in order).
pub fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, FileCommandError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let mut pairs = Vec::new();
    while let Some((n, line)) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let fail = |message: String| FileCommandError { line: n, message };
        let (name, value) = match (line.find('='), line.find("<<")) {
            (Some(eq), heredoc) if heredoc.is_none_or(|h| eq < h) => (&line[..eq], line[eq + 1..].to_string()),
            (_, Some(h)) => {
                let delimiter = &line[h + 2..];
                if delimiter.is_empty() {
                    return Err(fail(format!("`{line}` has no delimiter after `<<`")));
                }
                let mut value: Vec<&str> = Vec::new();
                let mut closed = false;
                for (_, l) in lines.by_ref() {
                    if l == delimiter {
                        closed = true;
                        break;
                    }
                    value.push(l);
                }
                if !closed {
                    return Err(fail(format!("the value of `{}` has no line `{delimiter}` ending it", &line[..h])));
                }
                (&line[..h], value.join("\n"))
            }
            _ => return Err(fail(format!("`{line}` is neither `NAME=value` nor `NAME<<DELIMITER`"))),
        };
        if name.is_empty() {
            return Err(fail(format!("`{line}` has an empty name")));
        }
        pairs.push((name.to_string(), value));
    }
    Ok(pairs)
}

/// Returns the directories `$GITHUB_PATH` lists, in the order written: one per non-blank line.
/// Each is put in front of `PATH` for the steps after, so the last one written comes first.
pub fn parse_paths(text: &str) -> Vec<String> {
    text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse_pairs(text).unwrap()
    }

    fn p(name: &str, value: &str) -> (String, String) {
        (name.to_string(), value.to_string())
    }

    #[test]
    fn one_line_pairs() {
        assert_eq!(pairs("a=1\nb=\nc=x=y\n"), [p("a", "1"), p("b", ""), p("c", "x=y")]);
        // `=` before `<<` makes a one-line pair, and the value keeps its spaces.
        assert_eq!(pairs("a=x<<y\nb= spaced \n"), [p("a", "x<<y"), p("b", " spaced ")]);
        assert_eq!(pairs("\n\nlast=1"), [p("last", "1")]);
        assert_eq!(pairs("a=1\r\nb=2\r\n"), [p("a", "1"), p("b", "2")]);
    }

    #[test]
    fn heredocs() {
        let text = "json<<EOF\n{\n  \"a\": 1\n}\nEOF\nnext=2\nempty<<X\nX\n";
        assert_eq!(pairs(text), [p("json", "{\n  \"a\": 1\n}"), p("next", "2"), p("empty", "")]);
        // `<<` before `=`: the delimiter may contain `=`; blank lines inside a value are kept.
        assert_eq!(pairs("k<<a=b\nx\n\ny\na=b\n"), [p("k", "x\n\ny")]);
        // The closing line must be exactly the delimiter.
        assert_eq!(pairs("k<<END\n END\nEND \nEND\n"), [p("k", " END\nEND ")]);
        assert_eq!(pairs("k<<EOF\r\nline\r\nEOF\r\n"), [p("k", "line")]);
    }

    #[test]
    fn bad_files_name_the_line() {
        let err = |text: &str| parse_pairs(text).unwrap_err();
        let e = err("ok=1\njust text\n");
        assert_eq!(e.line, 2);
        assert!(e.to_string().starts_with("line 2: `just text` is neither"), "{e}");
        assert_eq!(err("a=1\n\nk<<EOF\nvalue\n").to_string(), "line 3: the value of `k` has no line `EOF` ending it");
        assert_eq!(err("=1").to_string(), "line 1: `=1` has an empty name");
        assert_eq!(err("<<EOF\nx\nEOF").to_string(), "line 1: `<<EOF` has an empty name");
        assert_eq!(err("k<<\nx\n").to_string(), "line 1: `k<<` has no delimiter after `<<`");
    }

    #[test]
    fn paths_in_order() {
        assert_eq!(parse_paths("/opt/a\n\n  \n/opt/b dir\r\n"), ["/opt/a", "/opt/b dir"]);
    }

    proptest! {
        /// Whatever the values (newlines included), writing each pair as a heredoc with a
        /// delimiter that occurs in none of them, or as `NAME=value` when the value has no line
        /// break, reads back the same pairs.
        #[test]
        fn written_pairs_read_back(
            written in proptest::collection::vec(("[A-Za-z_][A-Za-z0-9_]{0,8}", "[a-z=<> \n]{0,20}", any::<bool>()), 0..8)
        ) {
            let mut text = String::new();
            for (name, value, heredoc) in &written {
                if *heredoc || value.contains('\n') {
                    text.push_str(&format!("{name}<<DELIM_9\n{value}\nDELIM_9\n"));
                } else {
                    text.push_str(&format!("{name}={value}\n"));
                }
            }
            let expected: Vec<(String, String)> = written.into_iter().map(|(n, v, _)| (n, v)).collect();
            prop_assert_eq!(parse_pairs(&text).unwrap(), expected);
        }
    }
}
