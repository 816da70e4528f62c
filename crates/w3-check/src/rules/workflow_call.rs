//! `workflow-call`: jobs that call a reusable workflow name it as
//! `owner/repo/path/to/workflow.yml@ref`, `./path/to/workflow.yml` or `$/path/to/workflow.yml`; a local callee must exist,
//! and the inputs and secrets passed must match what its `on.workflow_call` declares.

use crate::{Context, Rule};
use std::path::Path;
use w3_dsl::ast::{self, Job, JobSecrets, Workflow};
use w3_dsl::Diagnostic;

pub struct WorkflowCall;

const NAME: &str = "workflow-call";

/// Returns whether `uses` follows one of the two reusable-workflow forms.
pub fn is_valid_call(uses: &str) -> bool {
    let is_yaml = |p: &str| p.ends_with(".yml") || p.ends_with(".yaml");
    if let Some(rest) = uses.strip_prefix("./").or_else(|| uses.strip_prefix("$/")) {
        return !uses.contains('@') && is_yaml(rest);
    }
    let Some((path, git_ref)) = uses.split_once('@') else { return false };
    let parts: Vec<&str> = path.splitn(3, '/').collect();
    !git_ref.is_empty() && parts.len() == 3 && parts.iter().all(|p| !p.is_empty()) && is_yaml(parts[2])
}

fn check_local(root: &Path, job: &Job, uses: &ast::Str, out: &mut Vec<Diagnostic>) {
    let path = root.join(&uses.value[2..]);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            out.push(Diagnostic::at(
                NAME,
                uses.pos,
                format!("could not read reusable workflow file for \"{}\": {e}", uses.value),
            ));
            return;
        }
    };
    let Some(callee) = ast::parse_bytes(&bytes).workflow else { return };
    let Some(call) = callee.workflow_call() else {
        out.push(Diagnostic::at(
            NAME,
            uses.pos,
            format!("workflow \"{}\" is not reusable: it has no \"workflow_call\" trigger", uses.value),
        ));
        return;
    };
    let required = |r: &Option<ast::ExprOr<bool>>| r.as_ref().and_then(|r| r.literal()).copied() == Some(true);
    let declared = call.inputs.iter().map(|i| (&i.id, required(&i.required) && i.default.is_none()));
    check_passed("input", &job.with, declared, uses, out);
    let Some(JobSecrets::Map { secrets, .. }) = &job.secrets else { return };
    check_passed("secret", secrets, call.secrets.iter().map(|s| (&s.id, required(&s.required))), uses, out);
}

/// Reports the inputs or secrets (`what`) passed that the callee does not declare, and the
/// required ones (`declared` gives each name and whether it must be passed) left out.
fn check_passed<'d, V>(
    what: &str,
    passed: &[(ast::Str, V)],
    declared: impl Iterator<Item = (&'d ast::Str, bool)> + Clone,
    uses: &ast::Str,
    out: &mut Vec<Diagnostic>,
) {
    for (k, _) in passed {
        if !declared.clone().any(|(id, _)| id.value.eq_ignore_ascii_case(&k.value)) {
            out.push(Diagnostic::at(
                NAME,
                k.pos,
                format!("{what} \"{}\" is not defined in \"{}\" reusable workflow", k.value, uses.value),
            ));
        }
    }
    for (id, required) in declared {
        if required && !passed.iter().any(|(k, _)| k.value.eq_ignore_ascii_case(&id.value)) {
            out.push(Diagnostic::at(
                NAME,
                uses.pos,
                format!("{what} \"{}\" is required by \"{}\" reusable workflow", id.value, uses.value),
            ));
        }
    }
}

impl Rule for WorkflowCall {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        for job in &wf.jobs {
            let Some(uses) = &job.uses else { continue };
            if uses.has_expr() {
                continue;
            }
            if !is_valid_call(&uses.value) {
                out.push(Diagnostic::at(NAME, uses.pos, format!("reusable workflow call \"{}\" at \"uses\" is not following the format \"owner/repo/path/to/workflow.yml@ref\" nor \"./path/to/workflow.yml\"", uses.value)));
            } else if uses.value.starts_with("./") || uses.value.starts_with("$/") {
                if let Some(root) = cx.project_root {
                    check_local(root, job, uses, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn call_forms() {
        assert!(super::is_valid_call("./.github/workflows/ci.yml"));
        assert!(super::is_valid_call("$/.github/workflows/ci.yml"));
        assert!(super::is_valid_call("octo/repo/.github/workflows/ci.yml@v1"));
        assert!(!super::is_valid_call("./.github/workflows/ci.yml@main"));
        assert!(!super::is_valid_call("owner/repo@main"));
        assert!(!super::is_valid_call("foo/bar/workflow.yml"));
        assert!(!super::is_valid_call("/foo/bar/workflow.yml@main"));
    }
}
