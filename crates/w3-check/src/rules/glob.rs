//! `glob`: branch, tag and path filters are valid GitHub filter patterns.
//!
//! GitHub's filter syntax: `*`, `**`, `?`, `+`, `[...]` character classes with ranges, a leading
//! `!` to negate, and `\` to escape one of `[ ? + * \ !`. Branch and tag patterns must also be
//! valid git ref names; path patterns must not have leading or trailing spaces or `.`/`..`
//! segments.

use crate::{Context, Rule};
use w3_dsl::ast::{Event, Str, Workflow};
use w3_dsl::Diagnostic;

pub struct Glob;

const NAME: &str = "glob";
const NOTE: &str = "note: filter pattern syntax is explained at https://docs.github.com/en/actions/using-workflows/workflow-syntax-for-github-actions#filter-pattern-cheat-sheet";

/// A problem at a character offset of the pattern.
struct Bad {
    offset: usize,
    message: String,
}

fn bad(offset: usize, message: impl Into<String>) -> Bad {
    Bad { offset, message: message.into() }
}

/// Validates glob syntax; returns the first problem.
fn check_syntax(pattern: &str) -> Result<(), Bad> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    if chars.first() == Some(&'!') {
        if chars.len() == 1 {
            return Err(bad(0, "invalid glob pattern. at least one character must follow the negating '!'"));
        }
        i = 1;
    }
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                match chars.get(i + 1) {
                    Some(c) if "[?+*\\!".contains(*c) => i += 2,
                    _ => return Err(bad(i, "character '\\' is invalid here. only special characters [, ?, +, *, \\, ! can be escaped with \\")),
                }
                continue;
            }
            '[' => i = check_class(&chars, i)?,
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Checks the character class starting at `open`; returns the index of its `]`.
fn check_class(chars: &[char], open: usize) -> Result<usize, Bad> {
    let mut i = open + 1;
    let mut members = 0;
    while i < chars.len() && chars[i] != ']' {
        let c = if chars[i] == '\\' && i + 1 < chars.len() {
            i += 1;
            chars[i]
        } else {
            chars[i]
        };
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|e| *e != ']') {
            let end = chars[i + 2];
            if c > end {
                return Err(bad(
                    i + 2,
                    format!("invalid glob pattern. start of range '{c}' is larger than end of range '{end}' in []"),
                ));
            }
            i += 3;
            members += 2;
            continue;
        }
        members += 1;
        i += 1;
    }
    if i >= chars.len() {
        return Err(bad(
            chars.len().saturating_sub(1),
            "invalid glob pattern. missing ']' to close the character class",
        ));
    }
    if members == 0 {
        return Err(bad(i, "invalid glob pattern. character class [] must not be empty"));
    }
    if members == 1 && i == open + 2 {
        return Err(bad(
            i,
            format!(
                "invalid glob pattern. character match with single character is useless. simply use {} instead of [{}]",
                chars[open + 1],
                chars[open + 1]
            ),
        ));
    }
    Ok(i)
}

/// Checks the git ref-name rules for branch and tag patterns.
fn check_ref(pattern: &str) -> Result<(), Bad> {
    let p = pattern.strip_prefix('!').unwrap_or(pattern);
    let shift = pattern.len() - p.len();
    let tail = "see `man git-check-ref-format` for more details. note that regular expression is unavailable";
    if let Some(i) = p.chars().position(|c| c == ' ' || c == '~' || c == '^' || c == ':') {
        let c = p.chars().nth(i).unwrap_or(' ');
        return Err(bad(i + shift, format!("character '{c}' is invalid for branch and tag names. ref name cannot contain spaces, ~, ^, :, [, ?, *. {tail}")));
    }
    if p.starts_with('/') {
        return Err(bad(
            shift,
            format!("character '/' is invalid for branch and tag names. ref name must not start with /. {tail}"),
        ));
    }
    if p.ends_with('/') || (p.ends_with('.') && !p.ends_with("*.")) {
        let c = p.chars().last().unwrap_or('/');
        return Err(bad(
            pattern.chars().count() - 1,
            format!("character '{c}' is invalid for branch and tag names. ref name must not end with / and .. {tail}"),
        ));
    }
    if let Some(i) = p.find("..") {
        return Err(bad(p[..i].chars().count() + shift, format!("'..' is invalid in branch and tag names. {tail}")));
    }
    Ok(())
}

/// Checks path-pattern rules.
fn check_path(pattern: &str) -> Result<(), Bad> {
    if pattern != pattern.trim() {
        return Err(bad(0, "leading and trailing spaces are not allowed in glob path"));
    }
    let p = pattern.strip_prefix('!').unwrap_or(pattern);
    if p.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(bad(0, "'.' and '..' are not allowed in glob path"));
    }
    Ok(())
}

/// What a filter pattern matches, which decides the rules beyond glob syntax.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Ref,
    Path,
    Other,
}

fn check(pattern: &Str, kind: Kind, out: &mut Vec<Diagnostic>) {
    if pattern.has_expr() {
        return;
    }
    let r = match kind {
        Kind::Ref => check_ref(&pattern.value),
        Kind::Path => check_path(&pattern.value),
        Kind::Other => Ok(()),
    };
    if let Err(b) = r.and_then(|_| check_syntax(&pattern.value)) {
        // A problem with the value as a whole points at the value, not its first character.
        let pos = if b.offset == 0 { pattern.pos } else { pattern.pos_in_value(b.offset) };
        out.push(Diagnostic::at(NAME, pos, format!("{}. {NOTE}", b.message)));
    }
}

impl Rule for Glob {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, _cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        for v in wf.jobs.iter().filter_map(|j| j.snapshot.as_ref()?.version.as_ref()) {
            check(v, Kind::Other, out);
        }
        for e in &wf.on {
            let Event::Webhook(hook) = e else { continue };
            for f in &hook.filters {
                let kind = match f.name.value.as_str() {
                    k if k.starts_with("branches") || k.starts_with("tags") => Kind::Ref,
                    k if k.starts_with("paths") => Kind::Path,
                    "names" | "versions" => Kind::Other,
                    _ => continue,
                };
                for p in &f.values.items {
                    check(p, kind, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax() {
        assert!(check_syntax("feature/**").is_ok());
        assert!(check_syntax("v[0-9]+.*").is_ok());
        assert!(check_syntax("[a]").is_err());
        assert!(check_syntax("[9-0]").is_err());
        assert!(check_syntax("foo[").is_err());
        assert!(check_syntax("!").is_err());
        assert!(check_syntax("a\\b").is_err());
        assert!(check_syntax("a\\*").is_ok());
    }

    #[test]
    fn refs_and_paths() {
        assert!(check_ref("main").is_ok());
        assert!(check_ref("releases/**").is_ok());
        assert!(check_ref("foo bar").is_err());
        assert!(check_ref("/foo").is_err());
        assert!(check_ref("foo/").is_err());
        assert!(check_path(" a").is_err());
        assert!(check_path("a/../b").is_err());
        assert!(check_path("**.js").is_ok());
    }
}
