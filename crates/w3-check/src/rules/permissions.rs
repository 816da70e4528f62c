//! `permissions`: `permissions:` names real scopes with access levels they accept.

use crate::knowledge::permissions::{is_shorthand, scope, scope_names};
use crate::{Context, Rule};
use w3_dsl::ast::{Permissions, Workflow};
use w3_dsl::diag::did_you_mean;
use w3_dsl::Diagnostic;

pub struct PermissionsRule;

const NAME: &str = "permissions";

fn quoted<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")
}

fn check(p: &Permissions, out: &mut Vec<Diagnostic>) {
    match p {
        Permissions::All(s) => {
            if !s.has_expr() && !is_shorthand(&s.value) {
                out.push(Diagnostic::at(NAME, s.pos, format!("\"{}\" is invalid for permission for all the scopes. available values are \"read-all\" and \"write-all\", or a mapping of scopes ({{}} for none)", s.value)));
            }
        }
        Permissions::Scopes { scopes, .. } => {
            for (name, level) in scopes {
                match scope(&name.value) {
                    None => {
                        let hint = did_you_mean(&name.value, scope_names())
                            .map(|s| format!("; did you mean \"{s}\"?"))
                            .unwrap_or_default();
                        out.push(Diagnostic::at(
                            NAME,
                            name.pos,
                            format!(
                                "unknown permission scope \"{}\"{hint} all available permission scopes are {}",
                                name.value,
                                quoted(scope_names())
                            ),
                        ));
                    }
                    Some(levels) if !level.has_expr() && !levels.contains(&level.value.as_str()) => {
                        out.push(Diagnostic::at(
                            NAME,
                            level.pos,
                            format!(
                                "\"{}\" is invalid as permission of scope \"{}\". available values are {}",
                                level.value,
                                name.value,
                                quoted(levels.iter().copied())
                            ),
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
    }
}

impl Rule for PermissionsRule {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, _cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        wf.permissions.iter().for_each(|p| check(p, out));
        wf.jobs.iter().filter_map(|j| j.permissions.as_ref()).for_each(|p| check(p, out));
    }
}
