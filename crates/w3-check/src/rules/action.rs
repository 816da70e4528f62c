//! `action`: every step's `uses:` is well-formed, and the inputs given with `with:` match what a
//! local action (`./path` with an `action.yml`) declares: no unknown inputs, no missing required
//! ones. W3 Smart Actions (`w3/name@vN`) must name a major version.

use crate::knowledge::actions::{self, ActionSpec};
use crate::{Context, Rule};
use std::path::Path;
use w3_dsl::ast::{StepKind, Str, Workflow};
use w3_dsl::yaml::{self, Node};
use w3_dsl::Diagnostic;

pub struct Action;

const NAME: &str = "action";
const FORMATS: &str = "available formats are \"{owner}/{repo}@{ref}\" or \"{owner}/{repo}/{path}@{ref}\"";

/// What a `uses:` refers to.
#[derive(Debug, PartialEq)]
pub enum ActionRef<'a> {
    /// `./path`: a directory of the workflow's repository at the checked-out commit.
    Local(&'a str),
    /// `$/path`: a directory of the repository that contains the YAML, at the same commit.
    SelfRepo(&'a str),
    Docker(&'a str),
    SmartAction {
        name: &'a str,
        version: &'a str,
    },
    Remote {
        repo: &'a str,
        path: Option<&'a str>,
        git_ref: &'a str,
    },
}

/// Parses a step's `uses:` value, or says what is wrong with it.
pub fn parse_uses(uses: &str) -> Result<ActionRef<'_>, String> {
    if uses.starts_with("./") || uses.starts_with("../") {
        return Ok(ActionRef::Local(uses));
    }
    if let Some(path) = uses.strip_prefix("$/") {
        return Ok(ActionRef::SelfRepo(path));
    }
    if let Some(image) = uses.strip_prefix("docker://") {
        if image.is_empty() {
            return Err(format!("image of Docker action should not be empty: \"{uses}\""));
        }
        if image.ends_with(':') {
            return Err(format!("tag of Docker action should not be empty: \"{uses}\""));
        }
        return Ok(ActionRef::Docker(image));
    }
    let Some((path, git_ref)) = uses.split_once('@') else {
        return Err(format!("specifying action \"{uses}\" in invalid format because ref is missing. {FORMATS}"));
    };
    if git_ref.is_empty() {
        return Err(format!("specifying action \"{uses}\" in invalid format because ref is empty. {FORMATS}"));
    }
    if let Some(name) = path.strip_prefix("w3/") {
        let v = git_ref.strip_prefix('v').unwrap_or("");
        let ok = !v.is_empty()
            && v.split('.').count() <= 3
            && v.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if name.is_empty() || name.contains('/') || !ok {
            return Err(format!("Smart Action \"{uses}\" must be written as \"w3/<name>@v<major>[.<minor>.<patch>]\""));
        }
        return Ok(ActionRef::SmartAction { name, version: git_ref });
    }
    let mut parts = path.splitn(3, '/');
    let owner = parts.next().unwrap_or("");
    let repo = parts.next().unwrap_or("");
    if owner.is_empty() || repo.is_empty() {
        return Err(format!("specifying action \"{uses}\" in invalid format because owner is missing. {FORMATS}"));
    }
    let repo_len = owner.len() + 1 + repo.len();
    Ok(ActionRef::Remote { repo: &path[..repo_len], path: parts.next(), git_ref })
}

/// Inputs of a local action's metadata: (name, required without default).
struct Metadata {
    name: String,
    inputs: Vec<(String, bool)>,
}

fn read_local(root: &Path, rel: &str) -> Option<Metadata> {
    let dir = root.join(rel);
    let text = ["action.yml", "action.yaml"].iter().find_map(|f| std::fs::read_to_string(dir.join(f)).ok())?;
    let loaded = yaml::load(&text, &yaml::LoadOptions::default());
    let root = loaded.root?;
    let field = |n: &Node, k: &str| n.as_map()?.iter().find(|e| e.key.as_scalar() == Some(k)).map(|e| e.value.clone());
    let name = field(&root, "name").and_then(|n| n.as_scalar().map(str::to_string)).unwrap_or_else(|| rel.to_string());
    let mut inputs = Vec::new();
    for e in field(&root, "inputs").as_ref().and_then(|n| n.as_map()).unwrap_or_default() {
        let Some(id) = e.key.as_scalar() else { continue };
        let required =
            field(&e.value, "required").is_some_and(|r| matches!(r.resolve(), Some(yaml::Resolved::Bool(true))));
        let has_default = field(&e.value, "default").is_some();
        inputs.push((id.to_string(), required && !has_default));
    }
    Some(Metadata { name, inputs })
}

fn check_inputs(meta: &Metadata, rel: &str, uses: &Str, with: &[(Str, Node)], out: &mut Vec<Diagnostic>) {
    let at = format!("action \"{}\" defined at \"{rel}\"", meta.name);
    for (k, _) in with {
        if !meta.inputs.iter().any(|(i, _)| i.eq_ignore_ascii_case(&k.value)) {
            let list: Vec<String> = meta.inputs.iter().map(|(i, _)| format!("\"{i}\"")).collect();
            out.push(Diagnostic::at(
                NAME,
                k.pos,
                format!("input \"{}\" is not defined in {at}. available inputs are {}", k.value, list.join(", ")),
            ));
        }
    }
    let required: Vec<&str> = meta.inputs.iter().filter(|(_, r)| *r).map(|(i, _)| i.as_str()).collect();
    check_required(&required, uses, &at, with, out);
}

/// Reports each required input that `with:` leaves out, at the `uses:` value.
fn check_required(required: &[&str], uses: &Str, at: &str, with: &[(Str, Node)], out: &mut Vec<Diagnostic>) {
    for r in required {
        if !with.iter().any(|(k, _)| k.value.eq_ignore_ascii_case(r)) {
            let all: Vec<String> = required.iter().map(|i| format!("\"{i}\"")).collect();
            out.push(Diagnostic::at(
                NAME,
                uses.pos,
                format!("missing input \"{r}\" which is required by {at}. all required inputs are {}", all.join(", ")),
            ));
        }
    }
}

/// Checks `with:` against a popular action's known inputs: unknown, missing and deprecated ones.
fn check_known(spec: &ActionSpec, uses: &Str, with: &[(Str, Node)], out: &mut Vec<Diagnostic>) {
    let at = format!("action \"{}\"", uses.value);
    for (k, _) in with {
        match spec.input(&k.value) {
            None if !spec.extra_inputs => {
                let list: Vec<String> = spec.inputs.iter().map(|i| format!("\"{}\"", i.name)).collect();
                out.push(Diagnostic::at(
                    NAME,
                    k.pos,
                    format!("input \"{}\" is not defined in {at}. available inputs are {}", k.value, list.join(", ")),
                ));
            }
            Some(i) => {
                if let Some(why) = i.deprecated {
                    out.push(Diagnostic::at(
                        NAME,
                        k.pos,
                        format!("avoid using deprecated input \"{}\" in {at}: {why}", k.value),
                    ));
                }
            }
            None => {}
        }
    }
    let required: Vec<&str> = spec.required_inputs().map(|i| i.name).collect();
    check_required(&required, uses, &at, with, out);
}

impl Rule for Action {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, cx: &Context<'_>, wf: &Workflow, out: &mut Vec<Diagnostic>) {
        for step in wf.jobs.iter().flat_map(|j| &j.steps) {
            let StepKind::Uses { uses, with } = &step.kind else { continue };
            if uses.has_expr() {
                out.push(Diagnostic::at(
                    NAME,
                    uses.pos,
                    "\"uses\" cannot contain ${{ }} expressions; the action must be known before the job runs",
                ));
                continue;
            }
            match parse_uses(&uses.value) {
                Err(message) => out.push(Diagnostic::at(NAME, uses.pos, message)),
                Ok(ActionRef::Local(rel) | ActionRef::SelfRepo(rel)) => {
                    if let Some(meta) = cx.project_root.and_then(|root| read_local(root, rel)) {
                        check_inputs(&meta, rel, uses, with, out);
                    }
                }
                Ok(ActionRef::Remote { .. }) => {
                    if let Some(why) = actions::outdated(&uses.value) {
                        out.push(Diagnostic::at(NAME, uses.pos, format!("the runner of \"{}\" action is too old to run on GitHub Actions: {why}. update the action's version to fix this issue", uses.value)));
                    }
                    if let Some(spec) = actions::split_uses(&uses.value).and_then(|(n, r)| actions::action(n, r)) {
                        check_known(spec, uses, with, out);
                    }
                }
                Ok(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_forms() {
        assert_eq!(parse_uses("./a").unwrap(), ActionRef::Local("./a"));
        assert_eq!(parse_uses("$/.github/actions/x").unwrap(), ActionRef::SelfRepo(".github/actions/x"));
        assert_eq!(parse_uses("docker://alpine:3").unwrap(), ActionRef::Docker("alpine:3"));
        assert!(parse_uses("docker://alpine:").is_err());
        assert_eq!(
            parse_uses("actions/aws/ec2@main").unwrap(),
            ActionRef::Remote { repo: "actions/aws", path: Some("ec2"), git_ref: "main" }
        );
        assert!(parse_uses("actions/checkout").unwrap_err().contains("ref is missing"));
        assert!(parse_uses("checkout@v2").unwrap_err().contains("owner is missing"));
        assert_eq!(
            parse_uses("w3/oracle-action@v1").unwrap(),
            ActionRef::SmartAction { name: "oracle-action", version: "v1" }
        );
        assert!(parse_uses("w3/oracle-action@main").is_err());
        assert!(parse_uses("w3/oracle-action@v1.2.3").is_ok());
    }
}
