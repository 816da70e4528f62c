//! `id`: job and step ids are well-formed, and step ids are unique within their job.

use crate::{Context, Rule};
use w3_dsl::ast::{Str, Workflow};
use w3_dsl::Diagnostic;

pub struct Ids;

const NAME: &str = "id";

/// Returns whether `id` starts with a letter or `_` and holds only alphanumerics, `-` and `_`.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn check_id(kind: &str, id: &Str, out: &mut Vec<Diagnostic>) {
    if id.value.starts_with("__") {
        out.push(Diagnostic::at(
            NAME,
            id.pos,
            format!(
                "invalid {kind} ID \"{}\". IDs starting with \"__\" are reserved for ids GitHub generates",
                id.value
            ),
        ));
    } else if !id.has_expr() && !is_valid_id(&id.value) {
        out.push(Diagnostic::at(NAME, id.pos, format!("invalid {kind} ID \"{}\". {kind} ID must start with a letter or _ and contain only alphanumeric characters, -, or _", id.value)));
    }
}

impl Rule for Ids {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, _cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        for job in &wf.jobs {
            check_id("job", &job.id, out);
            let mut seen: Vec<&Str> = Vec::new();
            for id in job.steps.iter().filter_map(|s| s.id.as_ref()) {
                check_id("step", id, out);
                if let Some(prev) = seen.iter().find(|p| p.value.eq_ignore_ascii_case(&id.value)) {
                    out.push(Diagnostic::at(NAME, id.pos, format!("step ID \"{}\" duplicates. previously defined at line:{},col:{}. step ID must be unique within a job. note that step ID is case insensitive", id.value, prev.pos.line, prev.pos.col)));
                } else {
                    seen.push(id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids() {
        assert!(super::is_valid_id("build_1-x"));
        assert!(super::is_valid_id("_a"));
        assert!(!super::is_valid_id("1a"));
        assert!(!super::is_valid_id("-a"));
        assert!(!super::is_valid_id("a.b"));
        assert!(!super::is_valid_id(""));
    }
}
